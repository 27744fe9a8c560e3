#!/usr/bin/env python3
"""Round 81 (ecdsa81): one line per counted run from build-timeline.py's tables (counts/timeline-RUN.txt): for SHA-256's
round loop, schedule and message load and ECDSA's vli_mult, vli_mod_square_fast and vli_mmod_fast (6ae432) the M guest
instructions at the build's installation ("-": never, to modules-end) and at C2's code (the install's instret if C2's
compile was done by then, else "c2@" the JVM second); the C2 compile seconds summed over the phase's builds (loaded wall
times); the instructions the live hot units ran (--stats, the whole run to modules-end).
  summary.py counts/timeline-RUN.txt..."""
import re, sys
KEYS = [('72f8e6', 'rounds'), ('72f5e8', 'sched'), ('72f31e', 'msgload'), ('6acbfe', 'vli_mult'), ('6aeaea', 'sq_fast'), ('6ae432', 'mmod')]
print('%-5s %s | %8s %9s %7s' % ('run', ' '.join('%-16s' % n for _, n in KEYS), 'C2 s', 'hot M', 'early'))
for f in sys.argv[1:]:
    run = re.search(r'timeline-(\w+)\.txt', f).group(1)
    rows, hot, early = {}, '-', '-'
    for l in open(f):
        p = l.split()
        if len(p) > 20 and re.fullmatch(r'[0-9a-f]{6}', p[0]):
            rows.setdefault(p[0], []).append(l)
        m = re.search(r'([\d,]+) instructions run in live hot units', l)
        if m: hot = '%.0f' % (int(m.group(1).replace(',', '')) / 1e6)
        m = re.search(r'or more\): (\d+)(?:, of them (\d+) dropped)?', l)
        if m: early = m.group(1) + ('/' + m.group(2) if m.group(2) else '')
    c2 = 0.0
    cells = []
    for k, _ in KEYS:
        if k not in rows: cells.append('%-16s' % 'not decided'); continue
        l = rows[k][-1]
        cols = [c.strip() for c in l.split('|')]
        inst = cols[2].split()[0]
        cells.append('%-16s' % ('%s>%s' % (cols[0].split()[-1], inst)))
    for k, ls in rows.items():
        cols = [c.strip() for c in ls[-1].split('|')]
        took = cols[5].split()[2] if len(cols) > 5 and len(cols[5].split()) > 2 else '-'
        dec = float(cols[0].split()[-1])
        if took != '-' and dec >= 776: c2 += float(took)
    print('%-5s %s | %8.2f %9s %7s' % (run, ' '.join(cells), c2, hot, early))
