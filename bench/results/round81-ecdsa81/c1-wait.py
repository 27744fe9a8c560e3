#!/usr/bin/env python3
"""Round 81 (ecdsa81): per build of the signed module phase, an estimate of its unit's instructions that ran as C1 code
from the phase's start (776 M) to the build's installation (to modules-end, ~2,510 M, if never installed): the unit's
share at its decision (its count's instructions over the hart's since the count began: 20 M, or 2 M at the early look)
times that span, as if it ran evenly. An estimate, not a count (the phase alternates between SHA-256 and ECDSA).
  c1-wait.py counts/timeline-RUN.txt..."""
import re, sys
START, END = 776.0, 2510.0
KEYS = [('72f8e6', 'rounds'), ('72f5e8', 'sched'), ('72f31e', 'msgload'), ('6acbfe', 'vli_mult'), ('6aeaea', 'sq_fast'), ('6ae432', 'mmod')]
print('%-5s %s %8s' % ('run', ' '.join('%9s' % n for _, n in KEYS), 'sum M'))
for f in sys.argv[1:]:
    run = re.search(r'timeline-(\w+)\.txt', f).group(1)
    rows = {}
    for l in open(f):
        p = l.split()
        if len(p) > 20 and re.fullmatch(r'[0-9a-f]{6}', p[0]): rows[p[0]] = l
    cells, tot = [], 0.0
    for k, _ in KEYS:
        if k not in rows: cells.append('%9s' % '-'); continue
        cols = [c.strip() for c in rows[k].split('|')]
        a = cols[0].split()
        span, dec = float(a[-2]), float(a[-1])
        counted = 2.0 if dec - START < 100 and span < 130 and 'e' in run else 20.0
        inst = cols[2].split()[0]
        end = float(inst) if inst != '-' else END
        w = counted / span * max(0.0, end - START)
        tot += w
        cells.append('%9.0f' % w)
    print('%-5s %s %8.0f' % (run, ' '.join(cells), tot))
