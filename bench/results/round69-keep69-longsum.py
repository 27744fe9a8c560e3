#!/usr/bin/env python3
"""Round 69, keep69: one long run of round69-keep69-longrun.sh (DIR: du.txt, err.txt with each stderr line prefixed by
its arrival time, gc.log). Prints the repository's size and pack count at fixed times, the periodic checkpoints' pauses
(vmckpt's "downtime", the pause) - the first on its own line, the later ones' median / p90 / max / over 1 ms, and those
of the checkpoints taken right after a compaction apart - the compactions (count, units copied, frames read, freed,
wall and CPU time where printed; the time from the checkpoint's line to the pruning's lines otherwise), and the young
collections in gc.log.      round69-keep69-longsum.py DIR [DIR...]"""
import re, statistics, sys

def pct(s, q):
    return s[min(len(s) - 1, int(q * len(s)))] if s else float('nan')

for d in sys.argv[1:]:
    du = [l.split() for l in open(f'{d}/du.txt')]
    print(f'== {d}')
    row = []
    for want in (60, 120, 240, 480, 720, 835):
        r = min(du, key=lambda x: abs(int(x[0]) - want))
        row.append(f'{int(r[0])} s: {int(r[1]) / 1e6:.0f} MB, {r[3]} packs')
    print('  repository: ' + '; '.join(row))
    print(f'  repository max {max(int(x[1]) for x in du) / 1e6:.0f} MB, packs max {max(int(x[3]) for x in du)}; load {du[0][5]}-{max(float(x[5]) for x in du)}')
    lines = [l.rstrip('\n').split(' ', 1) for l in open(f'{d}/err.txt')]
    pauses, after, comps = [], [], []
    last_ck = None
    just_compacted = False
    for ts, msg in lines:
        ts = float(ts)
        m = re.search(r'periodic checkpoint \S+: .* downtime ([\d.]+) ms', msg)
        if m:
            p = float(m.group(1))
            pauses.append(p)
            if just_compacted: after.append(p)
            just_compacted = False
            last_ck = ts
            continue
        m = re.search(r'compacted (\d+) packs? \((\d+) units copied(?:, (\d+) frames read)?.*freed ([\d.]+) (\S+)(?: in ([\d.]+) ms \(CPU ([\d.]+) ms\))?', msg)
        if m:
            just_compacted = True
            unit = {'B': 1, 'KiB': 1024, 'MiB': 1 << 20, 'GiB': 1 << 30}[m.group(5)]
            wall = float(m.group(6)) if m.group(6) else (ts - last_ck) * 1e3
            comps.append((int(m.group(1)), int(m.group(2)), int(m.group(3) or -1), float(m.group(4)) * unit, wall,
                          float(m.group(7)) if m.group(7) else None))
    later = sorted(pauses[1:])
    print(f'  checkpoints {len(pauses)}; first pause {pauses[0]:.2f} ms; later median {statistics.median(later):.3f} / p90 '
          f'{pct(later, .9):.3f} / max {later[-1]:.3f} ms, over 1 ms {sum(p > 1 for p in later)} of {len(later)}')
    if after:
        a = sorted(after)
        print(f'  the {len(a)} checkpoints right after a compaction: pause median {statistics.median(a):.3f} / max {a[-1]:.3f} ms, '
              f'over 1 ms {sum(p > 1 for p in a)}')
    if comps:
        w = sorted(c[4] for c in comps)
        cpu = sorted(c[5] for c in comps if c[5] is not None)
        print(f'  compactions {len(comps)}: units copied median {statistics.median([c[1] for c in comps]):.0f} (total '
              f'{sum(c[1] for c in comps)}), frames read median {statistics.median([c[2] for c in comps]):.0f}, freed total '
              f'{sum(c[3] for c in comps) / 1e6:.0f} MB; wall median {statistics.median(w):.0f} / max {w[-1]:.0f} ms'
              + (f'; CPU median {statistics.median(cpu):.0f} / max {cpu[-1]:.0f} ms' if cpu else ' (from the stderr lines\' times: pruning included)'))
    young = [float(m.group(1)) for l in open(f'{d}/gc.log', errors='replace')
             for m in [re.search(r'Pause Young .* ([\d.]+)ms$', l.strip())] if m]
    if young:
        y = sorted(young)
        print(f'  young collections {len(y)}: median {statistics.median(y):.1f} / max {y[-1]:.1f} ms')
