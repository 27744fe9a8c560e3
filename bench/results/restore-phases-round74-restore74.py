#!/usr/bin/env python3
"""restore74's slot: the restoring thread's steps before its pages (restore --stats' "restore phases": config, machine,
boot-files, records, overlay; and pages.loading) per eager restore, by jar (odd runs: --jar = this branch = "new"; even
runs: --jar = main), from bench/restore.py's logs: WORKDIR/logs/restore-memdirty-{new,base}-REP-eager.err.
    restore-phases-round74-restore74.py RUN=WORKDIR ...   (e.g. 1=/tmp/restore74/slot/round74-restore74-w1)"""
import re, statistics, sys, os
STEPS = ["config", "machine", "boot-files", "records", "overlay", "pages.loading"]
by = {"mine": {s: [] for s in STEPS}, "main": {s: [] for s in STEPS}}
print("run rep jar | " + " | ".join(STEPS) + " (ms)")
for arg in sys.argv[1:]:
    n, work = arg.split("=", 1)
    n = int(n)
    for side in ("new", "base"):
        jar = ("mine" if side == "new" else "main") if n % 2 == 1 else ("main" if side == "new" else "mine")
        for rep in range(10):
            p = os.path.join(work, "logs", f"restore-memdirty-{side}-{rep}-eager.err")
            if not os.path.exists(p): continue
            t = open(p, errors="replace").read()
            m = re.search(r"restore phases:(.*)", t)
            if not m: continue
            vals = {}
            for s in STEPS:
                mm = re.search(r"(?:^| )" + re.escape(s) + r" ([\d.]+) ms", m.group(1))
                vals[s] = float(mm.group(1)) if mm else None
                if vals[s] is not None: by[jar][s].append(vals[s])
            print(f"{n} {rep} {jar} | " + " | ".join("-" if vals[s] is None else f"{vals[s]:.1f}" for s in STEPS))
for jar in ("mine", "main"):
    print(jar + " medians: " + ", ".join(f"{s} {statistics.median(v):.1f}" for s, v in by[jar].items() if v))
