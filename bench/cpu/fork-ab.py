#!/usr/bin/env python3
"""bench/cpu/fork-ab.sh's table (round 75): the fork phase's run-thread CPU per launcher and round (each repetition
of the phase in a boot, and their sum), and for each launcher after the first, the rounds whose sum is lower than the
first launcher's in the same round (pairs lower / total) and the medians. Rounds where a run did not finish every
repetition are left out of the pairs.

  python3 bench/cpu/fork-ab.py OUT NAME1 NAME2 [NAME3...]
"""
import glob
import json
import os
import re
import statistics
import sys

out, names = sys.argv[1], sys.argv[2:]
runs = {}  # (round, name) -> [run CPU of each repetition]
for p in glob.glob(os.path.join(out, "R*-*", "fork-repeat.json")):
    m = re.match(r"R(\d+)-(.+)", os.path.basename(os.path.dirname(p)))
    r, name = int(m.group(1)), m.group(2)
    res = json.load(open(p))
    if res and res[0]["exit"] == 0:
        runs[(r, name)] = [rep["run"] for rep in res[0]["reps"]]
rounds = sorted({r for r, _ in runs})
reps = max((len(v) for v in runs.values()), default=0)
print("round " + " ".join(f"{n:>24s}" for n in names))
for r in rounds:
    print(f"{r:5d} " + " ".join(f"{' '.join(f'{x:.2f}' for x in runs[(r, n)]):>24s}" if (r, n) in runs else f"{'-':>24s}" for n in names))
first = names[0]
for n in names:
    sums = [sum(runs[(r, n)]) for r in rounds if (r, n) in runs and len(runs[(r, n)]) == reps]
    r1 = [runs[(r, n)][0] for r in rounds if (r, n) in runs]
    if sums:
        print(f"{n}: sum of {reps} reps median {statistics.median(sums):.2f} s ({len(sums)} runs); first rep median "
              f"{statistics.median(r1):.2f}; first run's reps {runs[(rounds[0], n)] if (rounds[0], n) in runs else '-'}")
for n in names[1:]:
    pairs = [(sum(runs[(r, first)]), sum(runs[(r, n)])) for r in rounds
             if (r, first) in runs and (r, n) in runs and len(runs[(r, first)]) == reps and len(runs[(r, n)]) == reps]
    if pairs:
        lower = sum(1 for a, b in pairs if b < a)
        print(f"{n} against {first}: lower in {lower} of {len(pairs)} rounds; medians {statistics.median(a for a, _ in pairs):.2f}"
              f" -> {statistics.median(b for _, b in pairs):.2f} s")
