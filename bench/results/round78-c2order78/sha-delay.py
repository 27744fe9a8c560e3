#!/usr/bin/env python3
"""Round 78 (c2order78): from hot logs (-Dvmckpt.jit.hotLog=true), when SHA-256's three loop builds (round loop 72f8e6,
message schedule 72f5e8, message load 72f31e) took their C1 units' place, in M guest instructions from the module phase's
start (776 M), and that delay weighted by each loop's part of a 64-byte block (sha77's count: 2,472, 1,157 and 346 of
4,042 instructions): 'M block-weighted' = the SHA-256 instructions (in M, ~1,256 M in the phase) that ran in C1 code
because of the wait, if SHA-256 ran evenly. Also the first C2 request of the phase and which build it was.
  sha-delay.py RUN.err..."""
import re, sys
W = {'72f8e6': 2472 / 4042, '72f5e8': 1157 / 4042, '72f31e': 346 / 4042}
START = 776.0
pat = re.compile(r'vmckpt-hot (.*?) key ([0-9a-f]+) at ([0-9.]+) M: .*?tier (-?\d+)')
q = re.compile(r'vmckpt-hot queued for C2.*? key ([0-9a-f]+) at ([0-9.]+) M')
print('%-28s %9s %9s %9s %12s  %s' % ('run', 'round', 'schedule', 'load', 'M weighted', 'first C2 requests (key at M)'))
for f in sys.argv[1:]:
    inst = {}
    reqs = []
    for line in open(f, errors='replace'):
        m = pat.search(line)
        if m and m.group(1).startswith('installed') and m.group(2) in W and m.group(2) not in inst:
            inst[m.group(2)] = (float(m.group(3)), int(m.group(4)))
        m2 = q.search(line)
        if m2 and float(m2.group(2)) > START: reqs.append('%s@%.0f' % (m2.group(1), float(m2.group(2))))
    tot = 0
    cells = []
    for k in ('72f8e6', '72f5e8', '72f31e'):
        if k in inst:
            d = max(0, inst[k][0] - START)
            cells.append('%6.0f t%d' % (d, inst[k][1]))
            tot += d * W[k] * 0.72 if False else d * W[k]
        else:
            cells.append('%9s' % 'never')
            tot += (2510 - START) * W[k]
    print('%-28s %9s %9s %9s %12.0f  %s' % (f.split('/')[-1][:28], cells[0], cells[1], cells[2], tot, ' '.join(reqs[:5])))
