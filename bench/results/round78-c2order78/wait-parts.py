#!/usr/bin/env python3
"""Round 78 (c2order78): where the module phase's C2-at-once builds waited, from hot logs: decided -> built (the
translator thread's queue and its build), built -> asked for C2 (C2's slot: other builds ahead), asked -> installed
(C2's compile, then the next look of the unit), in M guest instructions; per run, summed over SHA-256's three loop
builds and over all the phase's builds (decided after 776 M) that were installed.
Last: each SHA-256 build's wait in the slot (built -> asked; to 2,510 M if never asked) and their sum weighted by
each loop's part of a block (2,472, 1,157 and 346 of 4,042).
  wait-parts.py RUN.err..."""
import re, sys
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M')
SHA = ('72f8e6', '72f5e8', '72f31e')
W = {'72f8e6': 2472 / 4042, '72f5e8': 1157 / 4042, '72f31e': 346 / 4042}
print('%-26s | %-26s | %-26s | %s' % ('run', 'SHA-256 three: built/slot/C2', 'all installed: built/slot/C2', 'slot wait: round, schedule, load; block-weighted'))
for f in sys.argv[1:]:
    b = {}
    for line in open(f, errors='replace'):
        m = pat.search(line)
        if not m: continue
        what, key, at = m.group(1), m.group(2), float(m.group(3))
        e = b.setdefault(key, {})
        for k in ('decided', 'built', 'queued for C2', 'installed'):
            if what.startswith(k) and k not in e: e[k] = at
    def parts(keys):
        t = [0.0, 0.0, 0.0]; n = 0
        for k in keys:
            e = b.get(k, {})
            if not all(x in e for x in ('decided', 'built', 'queued for C2', 'installed')) or e['decided'] < 776: continue
            t[0] += e['built'] - e['decided']; t[1] += e['queued for C2'] - e['built']; t[2] += e['installed'] - e['queued for C2']; n += 1
        return t, n
    s, ns = parts(SHA)
    a, na = parts(b.keys())
    sw = [b.get(k, {}).get('queued for C2', 2510) - b[k]['built'] if 'built' in b.get(k, {}) else None for k in SHA]
    wsum = sum(w * W[k] for w, k in zip(sw, SHA) if w is not None)
    print('%-26s | %5.0f %6.0f %6.0f (%d)     | %5.0f %6.0f %6.0f (%d)     | %s; %.0f' % (f.split('/')[-1][:26], s[0], s[1], s[2], ns, a[0], a[1], a[2], na,
          ' '.join('-' if w is None else '%.0f' % w for w in sw), wsum))
