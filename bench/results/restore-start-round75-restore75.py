#!/usr/bin/env python3
"""restore75's slot: where the time before the restore goes, per eager restore, by jar (odd runs: --jar = this branch with
VMCKPT_HEAP=grow's options = "mine"; even runs: --jar = main with the whole heap), from bench/restore.py's logs
(WORKDIR/logs/restore-memdirty-{new,base}-REP-eager.err and .gc): the JVM's start to main ("the command began N ms after
the JVM's start"), main to the restore's start, the restoring thread's steps (machine, boot-files), the heap's growth
(mine: "heap grown at start: ... ms from the thread's start (thread CPU ... ms)"), the collector's pauses and full collections.
    restore-start-round75-restore75.py RUN=WORKDIR ...   (e.g. 1=/tmp/restore75/slot/round75-restore75-w1)"""
import re, statistics, sys, os
KEYS = ["jvm", "command", "machine", "boot-files", "grow_ms", "grow_cpu", "gc1", "gc_n", "gc_ms", "full"]
by = {"mine": {k: [] for k in KEYS}, "main": {k: [] for k in KEYS}}
print("run rep jar | JVM start to main | main to the restore | machine | boot-files | growth ms (CPU) | first collection, ms after main | gc pauses (ms) | full")
for arg in sys.argv[1:]:
    n, work = arg.split("=", 1)
    n = int(n)
    for side in ("new", "base"):
        jar = ("mine" if side == "new" else "main") if n % 2 == 1 else ("main" if side == "new" else "mine")
        for rep in range(10):
            p = os.path.join(work, "logs", f"restore-memdirty-{side}-{rep}-eager")
            if not os.path.exists(p + ".err"): continue
            t = open(p + ".err", errors="replace").read()
            ax = re.search(r"the command began (\d+) ms after the JVM's start, the restore (\d+) ms", t)
            ph = re.search(r"restore phases:(.*)", t)
            gr = re.search(r"heap grown at start: .*?, ([\d.]+) ms from (?:main's first step|the thread's start) \(thread CPU ([-\d.]+) ms\)", t)
            if not ax or not ph: continue
            steps = dict(re.findall(r" ([\w.-]+) ([\d.]+) ms", ph.group(1)))
            v = {"jvm": int(ax.group(1)), "command": int(ax.group(2)) - int(ax.group(1)), "machine": float(steps.get("machine", 0)),
                 "boot-files": float(steps.get("boot-files", 0)), "grow_ms": float(gr.group(1)) if gr else None,
                 "grow_cpu": float(gr.group(2)) if gr else None}
            gc = open(p + ".gc").read() if os.path.exists(p + ".gc") else ""
            pauses = [float(x) for x in re.findall(r"Pause.* ([\d.]+)ms$", gc, re.M)]
            first = re.search(r"^\[(\d+)ms\] GC\(0\) Pause", gc, re.M)
            v.update(gc_n=len(pauses), gc_ms=sum(pauses), full=gc.count("Pause Full"), gc1=int(first.group(1)) - v["jvm"] if first else None)
            for k in KEYS:
                if v[k] is not None: by[jar][k].append(v[k])
            g = f"{v['grow_ms']:.0f} ({v['grow_cpu']:.0f})" if gr else "-"
            print(f"{n} {rep} {jar} | {v['jvm']} | {v['command']} | {v['machine']:.1f} | {v['boot-files']:.1f} | {g} | {v['gc1']} | {v['gc_n']} ({v['gc_ms']:.0f}) | {v['full']}")
for jar in ("mine", "main"):
    print(jar + ": medians " + ", ".join(f"{k} {statistics.median(by[jar][k]):.1f}" for k in KEYS if by[jar][k]) + f" (n={len(by[jar]['jvm'])})")
