#!/usr/bin/env python3
"""heap64's slot: per round, the first and later checkpoints of each jar (stall, pause, GC in it, total), pairs won."""
import json, os, re, statistics, sys
out = sys.argv[1]
rows = {}
for d in sorted(os.listdir(out)):
    m = re.match(r'(\d+)-memdirty-(\w+)$', d)
    if not m: continue
    try:
        r = json.load(open(os.path.join(out, d, 'restore.json')))['workloads']['memdirty']
    except Exception:
        continue
    rows.setdefault(int(m.group(1)), {})[m.group(2)] = r['checkpoints']
def f(c, k):
    st = c.get('stats', {})
    return {'stall': c['stall_ms'], 'pause': c['downtime_ms'], 'gc': st.get('gc.pause.ns', 0) / 1e6,
            'gcmax': st.get('gc.pause.max.ns', 0) / 1e6, 'total': c['total_ms'], 'records': st.get('time.freeze.records.ns', 0) / 1e6,
            'memory': st.get('time.freeze.memory.ns', 0) / 1e6}[k]
names = ['heap64', 'main']
rounds = sorted(r for r in rows if all(n in rows[r] for n in names))
print(f"complete rounds: {len(rounds)}")
for which in ['first', 'later']:
    for k in ['stall', 'pause', 'gc', 'gcmax', 'total', 'records', 'memory']:
        vals = {n: [] for n in names}
        wins = 0
        for r in rounds:
            v = {}
            for n in names:
                cs = rows[r][n]
                v[n] = f(cs[0], k) if which == 'first' else statistics.median(f(c, k) for c in cs[1:])
                vals[n].append(v[n])
            wins += v['heap64'] < v['main']
        print(f"{which:5} {k:7}: heap64 median {statistics.median(vals['heap64']):8.3f} (max {max(vals['heap64']):8.3f}), "
              f"main median {statistics.median(vals['main']):8.3f} (max {max(vals['main']):8.3f}); heap64 lower in {wins} of {len(rounds)}")
allv = {n: [f(c, 'stall') for r in rounds for c in rows[r][n][1:]] for n in names}
for n in names:
    s = sorted(allv[n]); print(f"every later checkpoint's stall, {n}: n={len(s)} median {statistics.median(s):.1f} p90 {s[int(.9*len(s))]:.1f} max {s[-1]:.1f}; >20 ms: {sum(x > 20 for x in s)}")
fs = {n: [f(rows[r][n][0], 'stall') for r in rounds] for n in names}
for n in names: print(f"first checkpoints' stalls, {n}, in round order: {' '.join('%.1f' % x for x in fs[n])}")
