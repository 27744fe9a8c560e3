#!/usr/bin/env python3
"""Both guests' pairs pooled, per phase, from pairs.py's "every pair in round order" lines (round 85, gzip85):
B lower / higher / equal (within 0.005 s), the two-sided sign test's p, over all pairs and without the slow-host ones.
  python3 pooled.py PAIRS_OUTPUT"""
import re
import sys
from math import comb


def p_two_sided(lo, hi):
    n = lo + hi
    if n == 0:
        return 1.0
    k = min(lo, hi)
    return min(1.0, 2 * sum(comb(n, i) for i in range(k + 1)) / 2 ** n)


phases = {}
for line in open(sys.argv[1]):
    m = re.match(r"(default|signed) (\w+): (R\d+ .*)$", line.strip())
    if not m:
        continue
    for a, b, star in re.findall(r"R\d+ (-?[\d.]+)/(-?[\d.]+)(\*?)", m.group(3)):
        phases.setdefault(m.group(2), []).append((float(a), float(b), star == "*"))
for ph, prs in phases.items():
    out = []
    for clean in (False, True):
        sel = [(a, b) for a, b, s in prs if not (clean and s)]
        lo = sum(1 for a, b in sel if b < a - 0.005)
        hi = sum(1 for a, b in sel if b > a + 0.005)
        out.append("%s%d pairs: B lower %d, higher %d, equal %d, p %.3f" % ("without slow-host " if clean else "", len(sel), lo, hi, len(sel) - lo - hi, p_two_sided(lo, hi)))
    print("both guests %-8s %s | %s" % (ph, out[0], out[1]))
