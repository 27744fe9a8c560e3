#!/usr/bin/env python3
"""Pairs bench/cpu/run.py's run lines (its stdout, one or more files) by file, round and guest: per phase, each
launcher's time against a base launcher's in the same round, how many pairs it was lower in, and the medians. Round 1
of each file (the first, cold runs of the series) is also printed on its own. A benchmark summary, not a test.

    bench/cpu/ab-pairs.py BASE FILE... [--phases boot,modules]
"""
import re
import statistics
import sys

LINE = re.compile(r"^run (\d+) (\S+)\s+(\S+?)-default\s+(.*)$")
PHASE = re.compile(r"(boot|modules|compute|fork) ([\d.]+) s")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    phases = ["boot", "modules"]
    for a in sys.argv[1:]:
        if a.startswith("--phases="):
            phases = a.split("=", 1)[1].split(",")
    base, files = args[0], args[1:]
    runs = {}  # (file, round, guest, launcher) -> {phase: s}
    for fi, path in enumerate(files):
        for line in open(path):
            m = LINE.match(line)
            if not m or "PROBLEMS" in line:
                continue
            runs[(fi, int(m.group(1)), m.group(2), m.group(3))] = {p: float(v) for p, v in PHASE.findall(m.group(4))}
    guests = sorted({k[2] for k in runs})
    launchers = sorted({k[3] for k in runs})
    for g in guests:
        for p in phases:
            print(f"## {g} {p}")
            for l in launchers:
                vals = [v[p] for k, v in sorted(runs.items()) if k[2] == g and k[3] == l and p in v]
                firsts = [f"{runs[k][p]:.2f}" for k in sorted(runs) if k[2] == g and k[3] == l and k[1] == 1 and p in runs[k]]
                line = f"  {l:6s} median {statistics.median(vals):.2f} s of {len(vals)}: " + " ".join(f"{x:.2f}" for x in vals)
                line += f"; first runs {' '.join(firsts)}"
                if l != base:
                    lower = total = 0
                    for (fi, r, gg, ll), v in runs.items():
                        b = runs.get((fi, r, gg, base))
                        if gg == g and ll == l and b and p in v and p in b:
                            total += 1
                            lower += v[p] < b[p]
                    line += f"; lower than {base} in {lower} of {total} pairs"
                print(line)


if __name__ == "__main__":
    main()
