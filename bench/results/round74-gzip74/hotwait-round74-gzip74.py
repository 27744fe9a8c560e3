#!/usr/bin/env python3
"""Round 74 (gzip74): for each hot-tier build of a stamped log (hotc2-count-round73-c2user73.py's .log, run with
-Dvmckpt.jit.hotLog=true -XX:+PrintCompilation), seconds after the first mark given: decided, built, HotSpot's tier-3
code of the build's class, its C2 code, installed; and the looks at install. Untimed use: order of events only.
  python3 hotwait-round74-gzip74.py LOG [FROM_MARK]"""
import re, sys
log = sys.argv[1]; frm = sys.argv[2] if len(sys.argv) > 2 else "compute-start"
t0 = None; ev = {}; cls = {}; comp = {}; marks = []
for line in open(log):
    try: t = float(line.split()[0])
    except (ValueError, IndexError): continue
    if "BENCH-MARK" in line:
        m = re.search(r"BENCH-MARK (\S+)", line); marks.append((t, m.group(1)[:12]))
        if m.group(1).startswith(frm) and t0 is None: t0 = t
    m = re.search(r"vmckpt-hot (decided|built|installed)\b.*?key (\w+) at ([\d.]+) M", line)
    if m:
        ev.setdefault(m.group(2), {}).setdefault(m.group(1), (t, float(m.group(3))))
        b = re.search(r"build (\S+HotUnit/0x\w+)", line)
        if b: cls[m.group(2)] = b.group(1)
        l = re.search(r"tier (\d), (\d+) looks", line)
        if m.group(1) == "installed" and l: ev[m.group(2)]["itier"] = l.groups()
        continue
    m = re.search(r"\|\s+\d+\s+\d+\s+(%?)\s*(\d)\s+(\S+HotUnit/0x\w+)::run", line)
    if m and "made not entrant" not in line:
        comp.setdefault(m.group(3), {}).setdefault(("osr" if m.group(1) else "") + m.group(2), t)
t0 = t0 or 0
print("marks:", ", ".join("%s %.2f" % (n, t - t0) for t, n in marks))
print("| key | decided s (M insns) | built | tier 3 code | C2 code | installed (tier, looks) |")
print("|---|---|---|---|---|---|")
for k, e in sorted(ev.items(), key=lambda kv: kv[1].get("decided", kv[1].get("built", (0, 0)))[0]):
    d = e.get("decided") or e.get("built")
    if d[0] < t0: continue
    c = comp.get(cls.get(k), {})
    f = lambda x: "-" if x is None else "%.2f" % (x - t0)
    i = e.get("installed")
    print("| %s | %.2f (%.0f) | %s | %s | %s | %s |" % (k, d[0] - t0, d[1], f(e.get("built", (None,))[0]), f(c.get("3")), f(c.get("4") or c.get("osr4")),
          "-" if not i else "%s (%s, %s)" % (f(i[0]), *e.get("itier", ("?", "?")))))
