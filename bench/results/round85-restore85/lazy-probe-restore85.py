#!/usr/bin/env python3
"""Round 85 (restore85; round 82 lazy82's probe, unchanged but its path; round 80 lazy80's probe, with a fault log per restore: FAULTLOG=DIR), write window: lazy restores of LABEL in REPO, variants in turn, each with --stats and the mark
lines' diagnostic on memdirty's heartbeats; per restore one line: the guest's first output's account ("lazy restore:
the guest's first output ..."): faults (of the working set, of reference pages, waited for a loader), run thread CPU,
waiting for a core; when every page was in; the first instruction after "restored"; heartbeat gaps (host clock of this
script) in the 3 s after the first heartbeat, and which of them passed 2x the period. Counts are evidence under load;
times are not.

    [EAGER=1] lazy-probe-round79-restore79.py REPO LABEL ROUNDS NAME=JAR[:OPT,OPT] ...   (EAGER=1: eager restores instead)"""
import os, re, subprocess, sys, time, threading
sys.path.insert(0, "/work/wt-restore85/bench")
import paper
repo, label, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
variants = []
for v in sys.argv[4:]:
    name, rest = v.split("=", 1)
    jar, _, opts = rest.partition(":")
    variants.append((name, jar, [o for o in opts.split(",") if o]))


count = 0


def one(vname, jar, opts):
    name = "r85-%d-%d" % (os.getpid(), int(time.time()*1000) % 100000)
    global count
    count += 1
    log = []
    if os.environ.get("FAULTLOG"):
        log = ["-Dvmckpt.restore.faultLog=%s/faults-%s-%d.txt" % (os.environ["FAULTLOG"], vname, count)]
    cmd = ["java"] + paper.launcher_java_options(jar) + ["-Dvmckpt.stats.markPrefix=memdirty heartbeat"] + log + opts + ["-jar", jar, "restore", label,
           "--repo", repo, "--stats", "--name", name] + ([] if os.environ.get("EAGER") else ["--lazy"])
    t0 = time.time()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    events = []

    def rd(stream, tag):
        for line in stream:
            events.append((time.time() - t0, tag, line.rstrip()))
    ts = [threading.Thread(target=rd, args=(p.stdout, "out")), threading.Thread(target=rd, args=(p.stderr, "err"))]
    for t in ts:
        t.daemon = True
        t.start()
    deadline = time.time() + 25
    while time.time() < deadline:
        hb = [e[0] for e in events if e[1] == "out" and "memdirty heartbeat" in e[2]]
        if hb and hb[-1] - hb[0] > 3.2:
            break
        time.sleep(0.02)
    paper.quit_named(name, p)
    time.sleep(0.2)
    errs = [l for _, tag, l in sorted(events) if tag == "err"]
    restored = next((e[0] for e in events if "vmckpt: restored" in e[2]), None)
    hb = [e[0] for e in sorted(events) if e[1] == "out" and "memdirty heartbeat" in e[2]]
    gaps = [round((b - a) * 1e3) for a, b in zip(hb, hb[1:]) if b - hb[0] <= 3.0]
    first_out = next((l for l in errs if "lazy restore: the guest's first output" in l or ("lazy restore:" in l and "first output" in l)), "")
    every = next((l for l in errs if "every page in" in l), "")
    firstins = next((re.search(r"the first instruction ([\d.]+) ms after \"restored\" \(([^)]*)\)", l) for l in errs
                     if "the first instruction" in l and "after \"restored\"" in l), None)
    print(f"== {vname} load {open('/proc/loadavg').read().split()[0]}: restored +{(restored or 0)*1e3:.0f} ms, first heartbeat "
          f"{'-' if not hb or restored is None else f'{(hb[0]-restored)*1e3:.0f}'} ms after it; longest gap {max(gaps) if gaps else '-'} ms, "
          f"over 200: {sum(1 for g in gaps if g > 200)}; gaps {gaps[:12]}")
    if firstins:
        print(f"   first instruction {firstins.group(1)} ms after \"restored\" ({firstins.group(2)})")
    print(f"   [{vname} #{count}]")
    print("   " + first_out[:1300])
    print("   " + every[:600])
    sys.stdout.flush()


for r in range(rounds):
    for (vname, jar, opts) in (variants if r % 2 == 0 else variants[::-1]):
        one(vname, jar, opts)
