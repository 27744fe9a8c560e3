#!/usr/bin/env python3
"""Round 78 (c2order78): the hot tier's builds of one run, one line each, from the hot log (-Dvmckpt.jit.hotLog=true on
stderr): decided, built, queued for C2 (C2 at once only), installed (tier, looks), in M guest instructions, with the
unit's instructions a run and the build's bytecode. Optional FROM (M instructions): only builds decided or installed
after it. Usage: hot-timeline.py RUN.err [FROM_M]"""
import re, sys
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode\)(.*)')
frm = float(sys.argv[2]) if len(sys.argv) > 2 else 0
b = {}
order = []
for line in open(sys.argv[1], errors='replace'):
    m = pat.search(line)
    if not m: continue
    what, key, at, insns, bc, rest = m.groups()
    at = float(at)
    e = b.setdefault(key, {})
    if key not in order: order.append(key)
    bm = re.search(r'build \S+ \((\d+) insns, (\d+) bytecode, tier (-?\d+), (\d+) looks', rest)
    runs = re.search(r'\((?:early look, )?(\d+) runs, \d+ brief, (\d+) hart insns', what)
    if what.startswith('decided'):
        e['decided'] = at; e['early'] = 'early look' in what
        if runs: e['runlen'] = 0
    elif what.startswith('built'):
        e['built'] = at
        if bm: e['bytecode'] = int(bm.group(2))
    elif what.startswith('queued for C2'):
        e['c2q'] = at
        sh = re.search(r'share ([0-9.]+)', what); e['share'] = sh.group(1) if sh else ''
        e['ordered'] = 'ordered' in what
    elif what.startswith('installed'):
        e['installed'] = at
        if bm: e['tier'] = int(bm.group(3)); e['looks'] = int(bm.group(4))
def f(v): return '%8.1f' % v if isinstance(v, float) else '%8s' % '-'
print('%-7s %8s %8s %8s %8s %4s %5s %7s %8s  %s' % ('key', 'decided', 'built', 'C2 asked', 'install', 'tier', 'looks', 'bytecode', 'share', 'notes'))
for k in order:
    e = b[k]
    if max(e.get('decided', 0), e.get('installed', 0), e.get('c2q', 0)) < frm: continue
    print('%-7s %s %s %s %s %4s %5s %7s %8s  %s' % (k, f(e.get('decided')), f(e.get('built')), f(e.get('c2q')), f(e.get('installed')),
          e.get('tier', '-'), e.get('looks', '-'), e.get('bytecode', '-'), e.get('share', ''),
          ('early ' if e.get('early') else '') + ('ordered' if e.get('ordered') else '')))
