#!/usr/bin/env python3
"""Round 79 (c2admit79): per hot build of the signed module phase that was asked for C2 (C2 at once), from the hot log
(-Dvmckpt.jit.hotLog=true) and HotSpot's compile log (-XX:+LogCompilation) of one run: asked / installed (M guest
instructions), C2's compile (s, the level-4 compile of the build's bytecode size; loaded-host wall time), the unit's
instructions in the whole phase (TOTAL below: main's profile run of round 77, ecdsa77's units-by-group-p1-main.txt, and
SHA-256's ~1,256 M split by sha77's per-block counts), what the build could save after its install if its unit ran
evenly over the phase (instructions after the install x 0.6 ns, ecdsa77's C1-to-C2 difference), and that against the
compile. Also the looks that refused a build (hotC2Admit) and the phase's builds never asked for.
  c2-builds.py RUN.err RUN.comp.xml"""
import re, sys
START, END, NS = 776.0, 2510.0, 0.6
TOTAL = {'72f8e6': 768, '72f5e8': 360, '72f31e': 107, '6ae432': 52, '6ae602': 36, '6aeaea': 35, '6acbfe': 23, '6acbe2': 18}
NAME = {'72f8e6': 'sha256 round loop', '72f5e8': 'sha256 schedule', '72f31e': 'sha256 msg load', '6ae432': 'vli_mmod_fast',
        '6ae602': 'vli_mmod_fast', '6aeaea': 'vli_mod_square_fast', '6acbfe': 'vli_mult', '6acbe2': 'vli_mult', '6ae540': 'vli_mmod_fast'}
err, xml = sys.argv[1], sys.argv[2]
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode\)(?:, build \S+ \((\d+) insns, (\d+) bytecode)?')
b, order = {}, []
for l in open(err, errors='replace'):
    m = pat.search(l)
    if not m: continue
    what, key, at = m.group(1), m.group(2), float(m.group(3))
    e = b.setdefault(key, {'refused': 0})
    if key not in order: order.append(key)
    if m.group(7): e['bytes'] = int(m.group(7))
    if what.startswith('decided'): e['decided'] = at
    elif what == 'built': e['built'] = at
    elif what.startswith('queued for C2'): e['asked'] = at
    elif what == 'installed': e['installed'] = at
    elif what.startswith('refused'): e['refused'] += 1; e.setdefault('firstRefused', at)
comp = []  # (bytes, took) of level-4 HotUnit compiles, in order done
q = {}
for l in open(xml, errors='replace'):
    if 'HotUnit' not in l: continue
    a = dict(re.findall(r"(\w+)='([^']*)'", l))
    if l.startswith('<task_queued') and a.get('level', '4') == '4': q[a['compile_id']] = (int(a['bytes']), float(a['stamp']))
    elif l.startswith('<nmethod') and a.get('compile_id') in q and a.get('level', '4') == '4':
        by, st = q.pop(a['compile_id']); comp.append([by, round(float(a['stamp']) - st, 3)])
print('%-7s %-20s %6s %8s %8s %8s %7s %6s %8s %8s %8s' % ('key', 'function', 'bytes', 'decided', 'asked', 'installed', 'C2 s', 'refused', 'phase M', 'after M', 'save ms'))
tot_c2 = tot_save = 0
for k in order:
    e = b[k]
    if e.get('decided', 0) < START - 20 and e.get('asked', 0) < START: continue
    took = '-'
    for c in comp:
        if c[0] == e.get('bytes'):
            took = c[1]; c[0] = -1; break
    t = TOTAL.get(k)
    ins = e.get('installed')
    after = t * max(0, END - ins) / (END - START) if t and ins else None
    save = after * NS if after is not None else None
    if isinstance(took, float): tot_c2 += took
    if save: tot_save += save
    f = lambda v, fmt='%8.1f': fmt % v if v is not None else '%8s' % '-'
    print('%-7s %-20s %6s %s %s %s %7s %6d %s %s %s' % (k, NAME.get(k, ''), e.get('bytes', '-'), f(e.get('decided')), f(e.get('asked')), f(ins),
          took, e['refused'], f(t, '%8d'), f(after), f(save, '%8.0f')))
print('phase builds: C2 compiles %.2f s in all (wall, loaded host); savings after install (units with a known total) ~%.0f ms' % (tot_c2, tot_save))
