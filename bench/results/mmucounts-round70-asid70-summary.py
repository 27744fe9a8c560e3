#!/usr/bin/env python3
"""Round 70 asid70: the per-phase tables of bench/cpu/mmu-phases.py (mmucounts-round70-asid70-*.txt) side by side: the
misses, walks, flushes and the ASID counters of the boot, module, compute and fork phases.

  python3 bench/results/mmucounts-round70-asid70-summary.py bench/results/mmucounts-round70-asid70-*.txt
"""
import sys

KEYS = ['load.misses', 'load.slotOther', 'store.misses', 'fetch.misses', 'fetch.slotOther', 'walks.walks',
        'flushes.full', 'flushes.page', 'flushes.pageAll', 'asids.satpKept', 'asids.fences', 'asids.pageFences',
        'asids.rollovers', 'asids.unkept', 'asids.kernelTagged']


def load(f):
    rows, hdr = {}, None
    for line in open(f):
        t = line.split()
        if not t:
            continue
        if t[0] == 'boot':
            hdr = t
            continue
        if '.' in t[0] and len(t) > 3:
            try:
                rows[t[0]] = [int(x.replace(',', '')) for x in t[1:]]
            except ValueError:
                pass
    return hdr, rows


for f in [a for a in sys.argv[1:] if not a.endswith("-summary.txt")]:
    hdr, r = load(f)
    idx = [hdr.index(p) for p in ('boot', 'modules', 'compute', 'fork')]
    print(f"{f.split('/')[-1].replace('mmucounts-round70-asid70-', ''):34} {'boot':>11}{'modules':>11}{'compute':>11}{'fork':>11}")
    for k in KEYS:
        if k in r:
            print(f"  {k:32}" + "".join(f"{r[k][i]:>11,}" for i in idx))
