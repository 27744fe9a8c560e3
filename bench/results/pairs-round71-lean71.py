#!/usr/bin/env python3
"""Round 71 lean71: the slot's pairs, read by round 70 lean70's reader (bench/results/pairs-round70-lean70.py: every
phase's run-thread CPU, wall and C1 CPU, the median of the pairs' differences, a two-sided sign test, the canaries, the
first runs, the guests' checks) with this round's launcher names, main against lean (this branch's lean-only jar). The
files are bench/results/r71lean/R<round>-<d|s|df|sf>.json (df, sf: BENCH-DONE runs of the default and signed guests)
or their bundle, threads-round71-lean71.json; a series that starts with "s" is the signed guest's. (Its header says
"new" for lean.)

  python3 bench/results/pairs-round71-lean71.py bench/results/threads-round71-lean71.json
"""
import importlib.util
import os
import sys

spec = importlib.util.spec_from_file_location(
    "pairs70", os.path.join(os.path.dirname(os.path.abspath(__file__)), "pairs-round70-lean70.py"))
pairs70 = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pairs70)
pairs70.A, pairs70.H = "main", "lean"

if __name__ == "__main__":
    sys.exit(pairs70.main())
