#!/usr/bin/env python3
"""HotSpot's compiles of hot-tier builds (HotUnit classes) from a -XX:+LogCompilation log: level, bytecode bytes, when
queued and done (s since the JVM's start), how long in the queue and compiling together, code size (round 77, ecdsa77).
  python3 hotunit-compiles.py COMP.xml..."""
import re, sys
for f in sys.argv[1:]:
    q = {}
    print('==', f)
    for l in open(f, errors='replace'):
        if 'HotUnit' not in l: continue
        a = dict(re.findall(r"(\w+)='([^']*)'", l))
        if l.startswith('<task_queued'): q[a['compile_id']] = float(a['stamp'])
        elif l.startswith('<nmethod'):
            t0 = q.get(a['compile_id'])
            print('  %s level %s bytes %5s queued %7s done %7s took %6s code %6s %s' % (a['method'].split()[0][-18:], a.get('level'), a.get('bytes'),
                  t0, a['stamp'], None if t0 is None else round(float(a['stamp']) - t0, 3), a['size'], a.get('compile_kind', '')))
