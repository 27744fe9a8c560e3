#!/usr/bin/env python3
"""Round 81 (ecdsa81): each hot-tier build of the signed module phase from decision to C2's code, from one run's hot log
(-Dvmckpt.jit.hotLog=true; round 81's lines carry "jvm S s", the JVM's uptime) and HotSpot's compile log
(-XX:+LogCompilation, joined by the build's hidden class): decided / built / installed (M guest instructions and s),
the build's tier-3 compile (done, s) and C2's (queued, started, done, s; C2's own compile time = done - started),
bytecode and C2's code size, instructions per run at the decision, the hart's instructions its count took.
  build-timeline.py RUN.err RUN.comp.xml [FROM_M]"""
import re, sys
err, xml = sys.argv[1], sys.argv[2]
FROM = float(sys.argv[3]) if len(sys.argv) > 3 else 700.0
NAME = {'72f8e6': 'sha256 rounds', '72f5e8': 'sha256 schedule', '72f5da': 'sha256 schedule', '72f31e': 'sha256 msg load',
        '6ae432': 'vli_mmod_fast', '6ae602': 'vli_mmod_fast', '6ae540': 'vli_mmod_fast', '6ae564': 'vli_mmod_fast',
        '6aeaea': 'vli_mod_square_fast', '6acbfe': 'vli_mult', '6acbe2': 'vli_mult', '6add04': 'vli_mod_sub', '6ad09e': 'vli_mult?'}
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode\)(?:, build (\S+) \((\d+) insns, (\d+) bytecode, tier (-?\d+))?.*?; jvm ([0-9.]+) s')
b, order = {}, []
for l in open(err, errors='replace'):
    m = pat.search(l)
    if not m: continue
    what, key, at, t = m.group(1), m.group(2), float(m.group(3)), float(m.group(10))
    e = b.setdefault(key, {})
    if key not in order: order.append(key)
    e['unit'] = (int(m.group(4)), int(m.group(5)))
    if m.group(6): e['cls'] = m.group(6).split('/')[-1]; e['binsns'] = int(m.group(7)); e['bytes'] = int(m.group(8)); e['tier'] = int(m.group(9))
    if what.startswith('decided'):
        e['decided'] = (at, t); e['early'] = 'early look' in what
        r = re.search(r'\((?:early look, )?(\d+) runs, \d+ brief, (\d+) hart', what)
        if r: e['runs'] = int(r.group(1)); e['span'] = int(r.group(2)) / 1e6
    elif what == 'built': e['built'] = (at, t)
    elif what.startswith('installed'): e['installed'] = (at, t)
q, comp = {}, {}
cur = None
for l in open(xml, errors='replace'):
    if l.startswith('<task_queued') or l.startswith('<nmethod') or l.startswith('<task '):
        a = dict(re.findall(r"(\w+)='([^']*)'", l))
        if 'HotUnit' not in a.get('method', '') and a.get('compile_id') not in comp: continue
        cid = a['compile_id']
        c = comp.setdefault(cid, {})
        if 'method' in a: c['cls'] = a['method'].split()[0].split('/')[-1]
        if 'level' in a: c['level'] = a['level']
        if l.startswith('<task_queued'): c['queued'] = float(a['stamp'])
        elif l.startswith('<nmethod'): c['done'] = float(a['stamp']); c['size'] = int(a.get('size', 0))
        else: c['start'] = float(a['stamp']); cur = cid
    elif l.startswith('<task_done') and cur is not None:
        a = dict(re.findall(r"(\w+)='([^']*)'", l)); comp[cur]['end'] = float(a['stamp']); cur = None
by = {}
for cid, c in comp.items():
    if 'cls' in c: by.setdefault(c['cls'], []).append(c)
def f(x, i): return '%.1f' % x[i] if x else '-'
print('%-7s %-19s %5s %5s %4s %7s %7s | %7s %6s | %7s %6s | %7s %6s %4s | %6s | %6s %6s %6s %5s %6s' % ('key', 'function', 'ins', 'bytes', 'run',
      'count M', 'decM', 'builtM', 's', 'instM', 's', 'decS', 't3done', 'tier', 'C2q', 'C2start', 'C2done', 'C2took', 'code', 'dec>C2'))
for k in order:
    e = b[k]
    if 'decided' not in e or e['decided'][0] < FROM: continue
    cs = by.get(e.get('cls'), [])
    t3 = [c for c in cs if c.get('level') == '3' and 'done' in c]
    c2 = [c for c in cs if c.get('level') == '4' and 'done' in c]
    c2q = [c for c in cs if c.get('level') == '4']
    c = c2[0] if c2 else (c2q[0] if c2q else None)
    run = int(20e6 / e['runs']) if 'runs' in e and not e['early'] else (int(2e6 / e['runs']) if 'runs' in e else 0)
    print('%-7s %-19s %5s %5s %4d %7s %7.1f | %7s %6s | %7s %6s | %7.2f %6s %4s | %6s | %6s %6s %6s %5s %6s' % (k, NAME.get(k, '')[:19], e.get('binsns', '-'),
          e.get('bytes', '-'), run, '%.1f' % e['span'] if 'span' in e else '-', e['decided'][0], f(e.get('built'), 0), f(e.get('built'), 1)[:6],
          f(e.get('installed'), 0), '%.2f' % e['installed'][1] if 'installed' in e else '-', e['decided'][1],
          '%.2f' % t3[0]['done'] if t3 else '-', e.get('tier', '-') if 'installed' in e else 'wait',
          '%.2f' % c['queued'] if c and 'queued' in c else '-', '%.2f' % c['start'] if c and 'start' in c else '-',
          '%.2f' % c['done'] if c and 'done' in c else '-', '%.3f' % (c['end'] - c['start']) if c and 'end' in c and 'start' in c else '-',
          c['size'] if c and 'size' in c else '-', '%.2f' % (c['done'] - e['decided'][1]) if c and 'done' in c else '-'))
