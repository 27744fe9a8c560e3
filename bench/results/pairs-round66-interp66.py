#!/usr/bin/env python3
"""Round 66 interp66: pairs (the same round of a series) from threads.py's per-run lines (its stdout, so that a series
the slot's end cut still counts): boot and module phase run-thread CPU and wall, each variant against base; the figures in
run order with medians. python3 pairs-round66-interp66.py threads-round66-interp66-S1.txt ..."""
import re
import statistics
import sys

LINE = re.compile(r"^\s*(\w+) round (\d+) load\s+([\d.]+): /init wall\s+([\d.na]+) s, run\s+([\d.]+) C1\s+([\d.]+) .*?"
                  r"\| modules wall\s+([\d.na]+) s, run\s+([\d.na]+) C1\s+([\d.na]+) .*?, (\d+) units")
KEYS = ("boot run", "boot wall", "modules run", "modules wall", "modules C1", "units")

tot = {}
for path in sys.argv[1:]:
    runs = {}
    loads = []
    for line in open(path):
        m = LINE.match(line)
        if not m:
            continue
        name, rnd = m.group(1), int(m.group(2))
        loads.append(float(m.group(3)))
        f = dict(zip(KEYS, (float(m.group(5)), float(m.group(4)), float(m.group(8)), float(m.group(7)), float(m.group(9)), int(m.group(10)))))
        runs.setdefault(name, {})[rnd] = f
    print(f"## {path} (load at run starts {min(loads):.2f}-{max(loads):.2f})" if loads else f"## {path}: no runs")
    for name, rs in runs.items():
        for k in KEYS:
            v = [rs[i][k] for i in sorted(rs)]
            print(f"  {name:>5} {k:12}: {', '.join(f'{x:.2f}' if isinstance(x, float) else str(x) for x in v)} (median {statistics.median(v):.2f})")
    base = runs.get("base", {})
    for name, rs in runs.items():
        if name == "base":
            continue
        for k in KEYS[:5]:
            lo = eq = n = 0
            for i in rs:
                if i not in base:
                    continue
                a, b = rs[i][k], base[i][k]
                n += 1
                lo += a < b - 0.005
                eq += abs(a - b) <= 0.005
            t = tot.setdefault((name, k), [0, 0, 0])
            t[0] += lo; t[1] += eq; t[2] += n
            print(f"  {name} lower than base, {k}: {lo} of {n} ({eq} equal)")
print("## all series")
for (name, k), (lo, eq, n) in sorted(tot.items()):
    print(f"  {name} lower than base, {k}: {lo} of {n} ({eq} equal)")
