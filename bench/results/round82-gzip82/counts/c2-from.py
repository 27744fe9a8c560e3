#!/usr/bin/env python3
"""Round 82 (gzip82): for each hot-tier build decided in the compute phase's parts (sha256: compute-start to sha256-end;
gzip: sha256-end to compute-end) of one jit-phases.py run (-Dvmckpt.jit.hotLog=true, -XX:+LogCompilation): the hart's
instructions from its decision to its C2 code running (the later of its installation, by the hot log, and C2's code done,
by the compile log's stamp turned into instructions through the JitCounts lines' uptimeMs and instret), or "never" in
the part; and per part how many within 250 M, 250 M - 1.2 G, later, never.
  c2-from.py RUN.log RUN.comp.xml"""
import re, sys, bisect
log, xml = sys.argv[1], sys.argv[2]
up, marks, b, order = [], {}, {}, []
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode\)(?:, build (\S+) \((\d+) insns, (\d+) bytecode, tier (-?\d+))?')
for l in open(log, errors='replace'):
    m = re.search(r'vmckpt-jit uptimeMs=(\d+) .*?instret=(\d+)', l)
    if m: up.append((int(m.group(1)) / 1e3, int(m.group(2)) / 1e6))
    m = pat.search(l)
    if m:
        what, k, at = m.group(1), m.group(2), float(m.group(3))
        e = b.setdefault(k, {})
        if k not in order: order.append(k)
        if m.group(6): e['cls'] = m.group(6).split('/')[-1]
        if what.startswith('decided') and 'dec' not in e: e['dec'] = at; r = re.search(r'\((\d+) runs', what); e['run'] = 20e6 / int(r.group(1)) if r else 0
        if what in ('installed', 'kept after its profile window'): e['ins'] = at; e['tier'] = int(m.group(9))
        if what == 'installed for its profile window': e['win'] = at
ts = [u for u, _ in up]
def insn_at(s):
    i = bisect.bisect_left(ts, s)
    if i == 0: return up[0][1]
    if i >= len(up): return up[-1][1]
    (t0, a), (t1, c) = up[i - 1], up[i]
    return a + (c - a) * (s - t0) / (t1 - t0)
c2done = {}
for l in open(xml, errors='replace'):
    if l.startswith('<nmethod') and 'HotUnit' in l and "level='4'" in l:
        a = dict(re.findall(r"(\w+)='([^']*)'", l)); c = a['method'].split()[0].split('/')[-1]
        c2done.setdefault(c, float(a['stamp']))
mk = {}
for l in open(sys.argv[3] if len(sys.argv) > 3 else sys.argv[1].replace('.log', '.marks'), errors='replace') if len(sys.argv) > 3 else []:
    p = l.split(); mk[p[0]] = float(p[2])
parts = (('sha256', mk.get('compute-start'), mk.get('sha256-end')), ('gzip', mk.get('sha256-end'), mk.get('compute-end')))
for name, lo, hi in parts:
    n = [0, 0, 0, 0]; rows = []
    for k in order:
        e = b[k]
        if 'dec' not in e or not (lo <= e['dec'] < hi): continue
        c2 = None
        if 'ins' in e:
            c2 = e['ins'] if e['tier'] == 4 else (max(e['ins'], insn_at(c2done[e['cls']])) if e.get('cls') in c2done else None)
        w = c2 - e['dec'] if c2 is not None and c2 < hi else None
        n[0 if w is not None and w <= 250 else 1 if w is not None and w <= 1200 else 2 if w is not None else 3] += 1
        rows.append('  %s run %5d dec %8.1f M  %s' % (k, e['run'], e['dec'], 'C2 running after %7.1f M' % w if w is not None else 'C1 to the part\'s end (installed tier %s)' % e.get('tier', '-')))
    print('%s part (%.0f-%.0f M): %d builds decided; C2 code running within 250 M %d, 250 M-1.2 G %d, later %d, never in the part %d' % (name, lo, hi, len(rows), n[0], n[1], n[2], n[3]))
    print('\n'.join(rows))
