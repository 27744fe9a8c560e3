#!/usr/bin/env python3
"""Round 65 heap65's slot, summarised from bench/restore.py's restore.json files.

    round65-heap65-slotsum.py pause SLOTDIR     the freeze pause per run (first, later median) and its parts
    round65-heap65-slotsum.py long SLOTDIR      main against heap65: old-generation growth per checkpoint (from the
                                                VM's -Xlog:gc log, 20 s after ready to the last checkpoint), collector
                                                time, stall and pause of the checkpoints, the first on its own line"""
import glob, json, os, re, statistics, sys

mode, S = sys.argv[1], sys.argv[2]
med = lambda xs: statistics.median(xs) if xs else float('nan')
PARTS = ('records', 'memory', 'disks', 'balloon')


def cks(path):
    r = json.load(open(path))
    return r['workloads']['memdirty']


if mode == 'pause':
    rows = []
    for d in sorted(glob.glob(os.path.join(S, 'pause-*'))):
        m = re.match(r'pause-(\d+)-(\w+)$', os.path.basename(d))
        w = cks(os.path.join(d, 'restore.json'))
        c = w['checkpoints']
        part = lambda x, p: x['stats'].get(f'time.freeze.{p}.ns', 0) / 1e6
        first, later = c[0], c[1:]
        print(f"pair {m.group(1)} {m.group(2):5s}: first pause {first['downtime_ms']:.3f} ms (records {part(first, 'records'):.3f}, "
              f"memory {part(first, 'memory'):.3f}, disks {part(first, 'disks'):.3f}, balloon {part(first, 'balloon'):.3f}; "
              f"CPU {first['freeze_cpu_ms']:.3f}); later median {med([x['downtime_ms'] for x in later]):.3f} ms (records "
              f"{med([part(x, 'records') for x in later]):.3f}, memory {med([part(x, 'memory') for x in later]):.3f}, disks "
              f"{med([part(x, 'disks') for x in later]):.3f}, balloon {med([part(x, 'balloon') for x in later]):.3f}); "
              f"load {first['load']:.2f}")
        rows.append((int(m.group(1)), m.group(2), first['downtime_ms'], med([x['downtime_ms'] for x in later])))
    pairs = sorted({r[0] for r in rows})
    for k, name in ((2, 'first'), (3, 'later')):
        wins = sum(1 for p in pairs if len([r for r in rows if r[0] == p]) == 2 and
                   [r for r in rows if r[0] == p and r[1] == 'base'][0][k] < [r for r in rows if r[0] == p and r[1] == 'main'][0][k])
        print(f"{name}: base (rebuilt) lower in {wins} of {len(pairs)} pairs; medians main "
              f"{med([r[k] for r in rows if r[1] == 'main']):.3f}, base {med([r[k] for r in rows if r[1] == 'base']):.3f} ms")
else:
    for tag in ('main', 'heap65', 'heap65fix'):
        p = os.path.join(S, f'long-{tag}', 'restore.json')
        if not os.path.exists(p):
            print(f"{tag}: no run"); continue
        w = cks(p)
        c = w['checkpoints']
        first, later = c[0], c[1:]
        # The VM's own -Xlog:gc (bench/paper.py's, copied out of WORK/logs before the next VM rotated it): the heap
        # used after a young collection is the old generation's occupancy (-Xmn16m, promotion at the first collection,
        # the young generation emptied). (The --java-opts -Xlog:gc* log went to every process of the run, the
        # inspections after the VM too, which overwrote it.)
        olds = []
        for line in open(os.path.join(S, f'long-{tag}-plain-gc.log')):
            m = re.match(r'\[(\d+)ms\] GC\(\d+\) Pause Young \([^)]*\) \d+M->(\d+)M', line)
            if m: olds.append((int(m.group(1)) / 1000, float(m.group(2))))
        t_first = w['boot_s']  # the first checkpoint comes right after ready (uptime ~ seconds from spawn)
        t_end = t_first + (c[-1]['t1'] - c[0]['t0'])
        a = min(olds, key=lambda o: abs(o[0] - (t_first + 20)))
        b = max((o for o in olds if o[0] <= t_end), key=lambda o: o[0])
        n = sum(1 for x in c if a[0] <= t_first + (x['t0'] - c[0]['t0']) <= b[0])
        print(f"{tag}: {len(c)} checkpoints in {c[-1]['t1'] - c[0]['t0']:.0f} s; full collections {w['gc_full']}; "
              f"old generation {a[1]:.0f} MB at {a[0]:.0f} s -> {b[1]:.0f} MB at {b[0]:.0f} s over {n} checkpoints: "
              f"{(b[1] - a[1]) / max(1, n):.2f} MB per checkpoint ({(b[1] - a[1]) / (b[0] - a[0]):.2f} MB/s)")
        print(f"  first: pause {first['downtime_ms']:.3f} ms, stall {first['stall_ms']:.1f} ms, collector in it "
              f"{first['engine_gc_ms']:.1f} ms (GC log {first['gc_ms']:.1f}, longest {first['gc_longest_ms']:.1f}), total {first['total_ms']:.0f} ms, load {first['load']:.2f}")
        st = sorted(x['stall_ms'] for x in later if x['stall_ms'] is not None)
        print(f"  later ({len(later)}): pause median {med([x['downtime_ms'] for x in later]):.3f} ms (max {max(x['downtime_ms'] for x in later):.3f}), "
              f"stall median {med(st):.1f} ms, p90 {st[int(0.9 * (len(st) - 1))]:.1f}, max {st[-1]:.1f}, over 20 ms: {sum(1 for s in st if s > 20)}; "
              f"collector in them median {med([x['engine_gc_ms'] for x in later]):.1f} ms, total {sum(x['engine_gc_ms'] for x in later):.0f} ms, "
              f"longest {max(x['gc_longest_ms'] for x in later):.1f} ms; total median {med([x['total_ms'] for x in later]):.0f} ms; "
              f"load {later[0]['load']:.2f} -> {later[-1]['load']:.2f}")
