#!/usr/bin/env python3
"""A -Dvmckpt.jit.profileDump .units file by group (ECDSA's vli_/ecc_/xycz_ functions, SHA-256, other) and tier, and
ECDSA's units by instructions (runs, unit size, instructions a run, the profile's ns a guest instruction: its own two
nanoTime calls a run included, for order only). Round 77, ecdsa77.  python3 units-by-group.py END.units KALLSYMS [TOP]"""
import bisect, collections, sys
syms = []
for l in open(sys.argv[2]):
    p = l.split()
    if len(p) >= 3: syms.append((int(p[0], 16), p[2]))
syms.sort(); addrs = [a for a, _ in syms]
def fn(k):
    va = k + 0xffffffff7fe00000; i = bisect.bisect_right(addrs, va) - 1
    return syms[i][1] if i >= 0 and va - addrs[i] < 0x10000 else '(module/vmalloc)'
agg = collections.defaultdict(lambda: [0, 0, 0, 0]); rows = []
for l in open(sys.argv[1]):
    f = l.split()
    if not f or f[0] != 'unit': continue
    k, tier, runs, ins, ns, n = int(f[1], 16), f[2], int(f[3]), int(f[4]), int(f[5]), int(f[6])
    name = fn(k)
    grp = 'ecdsa' if name.startswith(('vli_', 'ecc_', 'xycz', 'ecdsa')) else ('sha256' if 'sha256' in name else 'other')
    a = agg[(grp, tier)]; a[0] += runs; a[1] += ins; a[2] += ns; a[3] += 1
    if grp == 'ecdsa': rows.append((ins, k, name, tier, runs, n, ns))
for k, v in sorted(agg.items()):
    print('%-7s %s: %5d units, %9d runs, %8.1f M insns, %5.0f insns a run, %.2f ns a guest insn (profile)' % (k[0], k[1], v[3], v[0], v[1] / 1e6, v[1] / max(1, v[0]), v[2] / max(1, v[1])))
rows.sort(reverse=True)
for r in rows[:int(sys.argv[3]) if len(sys.argv) > 3 else 30]:
    print('%7.2f M %x %-26s %s %8d runs, unit %4d insns, %5.0f a run, %.2f ns' % (r[0] / 1e6, r[1], r[2], r[3], r[4], r[5], r[0] / max(1, r[4]), r[6] / max(1, r[0])))
