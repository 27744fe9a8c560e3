#!/usr/bin/env python3
"""Round 82 (gzip82): the hart's instructions at the guest's marks, from a jit-phases.py run log (its JitCounts lines,
every 100 ms, carry instret; the mark's instret is interpolated between the lines either side by the log's stamps).
  marks.py RUN.log   ->  "mark  stamp_s  instret_M" lines"""
import re, sys
pts, marks = [], []
for l in open(sys.argv[1], errors='replace'):
    m = re.match(r'\s*([\d.]+) (\w+)', l)
    if not m: continue
    t = float(m.group(1))
    i = re.search(r'vmckpt-jit .*?instret=(\d+)', l)
    if i: pts.append((t, int(i.group(1))))
    k = re.search(r'BENCH-MARK (\S+)', l)
    if k and m.group(2) == 'out': marks.append((k.group(1), t))
for k, t in marks:
    a = max((p for p in pts if p[0] <= t), default=None); b = min((p for p in pts if p[0] >= t), default=None)
    if a and b and b[0] > a[0]: v = a[1] + (b[1] - a[1]) * (t - a[0]) / (b[0] - a[0])
    else: v = (a or b)[1]
    print('%-15s %8.3f %9.1f' % (k, t, v / 1e6))
