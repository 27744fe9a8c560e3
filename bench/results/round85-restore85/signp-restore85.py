#!/usr/bin/env python3
"""Round 85 (restore85): bench/restore/pairs.py's output with a two-sided sign-test p after every "NEW lower in K of N"
(ties, if any, counted as not lower), and for the lazy pairs issue 9's bound per pair (first heartbeat within 200 ms of
"restored" and no gap over 200 ms in the watch): how many pairs only NEW met it, only BASE, both, neither, with the sign
test's p over the pairs where one side alone met it. Clean pairs (no "*" mark) again on their own.

    python3 signp-restore85.py PAIRS-OUTPUT.txt
"""
import re
import sys
from math import comb


def p_sign(k, n):
    if n == 0:
        return 1.0
    m = min(k, n - k)
    return min(1.0, 2 * sum(comb(n, i) for i in range(m + 1)) / 2 ** n)


section = None
rows = {"LAZY": [], "EAGER": []}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    m = re.search(r"NEW lower in (\d+) of (\d+)", line)
    if m:
        k, n = int(m.group(1)), int(m.group(2))
        line += f"  [sign test p = {p_sign(k, n):.3g}]"
    print(line)
    if line.startswith("LAZY:"):
        section = "LAZY"
    elif line.startswith("EAGER:"):
        section = "EAGER"
    r = re.match(r"(\d+) (\d+) (NEW|BASE)\s*(\*?)\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|([^|]*)\|", line)
    if r and section:
        def two(s):
            a, b = [x.strip() for x in s.split("/")[:2]]
            return (None if a == "-" else float(a)), (None if b == "-" else float(b))
        hb = two(r.group(6))
        over = two(r.group(9))
        rows[section].append((r.group(4) == "*", hb, over))


def met(hb, over):
    return hb is not None and hb <= 200 and over == 0


for clean in (False, True):
    rs = [x for x in rows["LAZY"] if not (clean and x[0])]
    if not rs:
        continue
    only_new = sum(1 for _, hb, ov in rs if met(hb[0], ov[0]) and not met(hb[1], ov[1]))
    only_base = sum(1 for _, hb, ov in rs if met(hb[1], ov[1]) and not met(hb[0], ov[0]))
    both = sum(1 for _, hb, ov in rs if met(hb[0], ov[0]) and met(hb[1], ov[1]))
    neither = len(rs) - only_new - only_base - both
    print(f"{'clean ' if clean else ''}lazy pairs {len(rs)}: issue 9's bound met by NEW {only_new + both}, BASE {only_base + both};"
          f" only NEW {only_new}, only BASE {only_base}, both {both}, neither {neither};"
          f" sign test over the {only_new + only_base} split pairs p = {p_sign(only_new, only_new + only_base):.3g}")
