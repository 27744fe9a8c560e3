import re, sys, glob, json, os
# Lays the source's and destination's probe stamps beside the bench's heartbeat times for each row in a work dir.
work = sys.argv[1]
for src in sorted(glob.glob(work + "/logs/*-src.err")):
    tag = os.path.basename(src)[:-8]
    dst = src.replace("-src.err", "-dst.err")
    s = open(src).read(); d = open(dst).read()
    m = list(re.finditer(r"PROBE source axis \(ns\): paused (\d+) frozen (\d+) pagesSent (\d+) disksSent (\d+) stateSent (\d+) ready (\d+) goSent (\d+)", s)); m = m[-1] if m else None
    p = list(re.finditer(r"PROBE pause: .*", s))[-1:] ; p = p[0] if p else None
    n = re.search(r"PROBE dest axis \(ns\): state (\d+) checked (\d+) records (\d+) loaded (\d+) ready (\d+) go (\d+) runnable (\d+)", d)
    g = re.search(r"guest started (\d+)", d)
    if not m or not n: print(tag, "no stamps"); continue
    base = int(m.group(1))
    ms = lambda x: f"{(int(x)-base)/1e6:.2f}"
    print(tag)
    print("  src: frozen", ms(m.group(2)), "pages", ms(m.group(3)), "disks", ms(m.group(4)), "state", ms(m.group(5)), "ready", ms(m.group(6)), "GO sent", ms(m.group(7)))
    print("  dst: STATE recv", ms(n.group(1)), "checked", ms(n.group(2)), "records", ms(n.group(3)), "loaded", ms(n.group(4)), "READY sent", ms(n.group(5)), "GO recv", ms(n.group(6)), "runnable", ms(n.group(7)), "started", ms(g.group(1)) if g else "-")
    if p: print("  ", p.group(0))
    c = re.search(r"PROBE dest cpu: .*", d)
    if c: print("  ", c.group(0))
