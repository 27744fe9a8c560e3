#!/usr/bin/env python3
"""Round 68, pause68 (round 67's round67-pause67-slotsum.py, plus the pause's time off the core and the wait for the
boundary): one slot run (round68-pause68-slot.sh leaves RUNDIR with gc.log and sp.log (wall-clock `time`
decorators), out.txt (the console, timestamped) and stats.tsv from bench/CheckpointStats.java with the keys
    time.pause.ns time.total.ns gc.pause.ns gc.pauses time.freeze.cpu.ns time.freeze.records.ns time.freeze.memory.ns
    time.freeze.disks.ns time.freeze.balloon.ns freeze.gcs freeze.allocated.bytes time.boundary.ns
(the last -1 on main, which does not store it).

    round68-pause68-slotsum.py RUNDIR

Off the core: a pause's wall time minus its CPU time (the capturing thread's), the time the scheduler gave its core to
another thread (or the hypervisor took the virtual CPU).

Per run: the later checkpoints' pauses (median, over 1 ms), stalls (the longest memdirty heartbeat gap overlapping the
checkpoint, freeze to commit, minus the 100 ms period), the first checkpoint on its own line, and every later pause over
1 ms with what it was made of:
  collection - freeze.gcs > 0 (this branch), or (main, and checked against freeze.gcs on this branch) a young
               collection that started in [created - pause - 3 ms, created] (created = the writer's start, just after
               the pause; the logs' times are milliseconds);
  safepoint  - another safepoint overlapped that window;
  off-core   - neither, and the freeze's CPU time under 60% of its wall time (the thread waited for a core);
  on-core    - neither, the thread ran most of it."""
import datetime, os, re, statistics, sys

d = sys.argv[1]
med = lambda xs: statistics.median(xs) if xs else float('nan')
def wall(stamp):  # 2026-12-05T17:24:01.123+0000
    return datetime.datetime.strptime(stamp, '%Y-%m-%dT%H:%M:%S.%f%z').timestamp()
gcs = []  # (start, kind, ms)
for line in open(os.path.join(d, 'gc.log'), errors='replace'):
    m = re.match(r'\[([^\]]+)\]\[\d+ms\] GC\((\d+)\) Pause (Young|Full) \(([^)]*)\)( \S+ ([\d.]+)ms)?', line)
    if m and m[6]: gcs.append((wall(m[1]) - float(m[6]) / 1e3, m[3], float(m[6])))
sps = []
for line in open(os.path.join(d, 'sp.log'), errors='replace'):
    m = re.match(r'\[([^\]]+)\] Safepoint "([^"]+)".*Total: (\d+) ns', line)
    if m: sps.append((wall(m[1]) - int(m[3]) / 1e9, wall(m[1]), m[2]))
keys = ['pause', 'total', 'gc', 'gcn', 'cpu', 'rec', 'mem', 'disks', 'balloon', 'fgcs', 'alloc', 'boundary']
cks = []
for line in open(os.path.join(d, 'stats.tsv')):
    f = line.rstrip('\n').split('\t')
    c = dict(zip(keys, (int(x) for x in f[2:])))
    c['created'] = int(f[1]) / 1000
    cks.append(c)
hb = []
for line in open(os.path.join(d, 'out.txt'), errors='replace'):
    m = re.match(r'([\d.]+) .*memdirty heartbeat \d+', line)
    if m: hb.append(float(m.group(1)))
for c in cks:
    p = c['pause'] / 1e9
    lo, hi = c['created'] - p - 0.003, c['created']
    c['gc_in'] = [g for g in gcs if lo <= g[0] <= hi + 0.0005]
    c['sp_in'] = [s for s in sps if s[0] < hi and s[1] > lo and 'GC' not in s[2]]
    if c['fgcs'] > 0 or (c['fgcs'] < 0 and c['gc_in']): c['kind'] = 'collection'
    elif c['sp_in']: c['kind'] = 'safepoint'
    elif c['cpu'] < 0.6 * c['pause']: c['kind'] = 'off-core'
    else: c['kind'] = 'on-core'
    t0, t1 = c['created'] - p, c['created'] + c['total'] / 1e9
    before = [t for t in hb if t <= t0]; after = [t for t in hb if t > t1]
    if not before or not after: c['stall'] = None; continue
    seq = [before[-1]] + [t for t in hb if t0 < t <= t1] + [after[0]]
    c['stall'] = max(b - a for a, b in zip(seq, seq[1:])) * 1e3 - 100
name = os.path.basename(d.rstrip('/'))
if not cks: print(f"{name}: no checkpoints"); sys.exit()
f = cks[0]
ms = lambda ns: ns / 1e6
print(f"{name}: {len(cks)} checkpoints in {cks[-1]['created'] - cks[0]['created']:.0f} s")
print(f"  first: pause {ms(f['pause']):.3f} ms (cpu {ms(f['cpu']):.3f}; records {ms(f['rec']):.3f}), collections in the pause "
      f"{f['fgcs']}, allocated in it {f['alloc']} B, stall {f['stall'] if f['stall'] is None else round(f['stall'], 1)} ms, "
      f"collector in the checkpoint {ms(f['gc']):.1f} ms, total {ms(f['total']):.0f} ms")
later = cks[1:]
if not later: sys.exit()
st = sorted(c['stall'] for c in later if c['stall'] is not None)
longp = [c for c in later if c['pause'] > 1e6]
kinds = {}
for c in longp: kinds[c['kind']] = kinds.get(c['kind'], 0) + 1
withgc = [c for c in later if c['kind'] == 'collection' or c['gc_in']]
print(f"  later ({len(later)}): pause median {ms(med([c['pause'] for c in later])):.3f} ms, p90 "
      f"{ms(sorted(c['pause'] for c in later)[int(0.9 * (len(later) - 1))]):.3f}, max {ms(max(c['pause'] for c in later)):.3f}, "
      f"over 1 ms: {len(longp)} {kinds}; cpu median {ms(med([c['cpu'] for c in later])):.3f} ms; records median "
      f"{ms(med([c['rec'] for c in later])):.3f} ms; allocated in the pause median "
      f"{med([c['alloc'] for c in later]) if later[0]['alloc'] >= 0 else 'n/a'} B")
print(f"  later: collections inside the pause: {sum(1 for c in later if c['fgcs'] > 0) if later[0]['fgcs'] >= 0 else 'n/a'} "
      f"(stored), {sum(1 for c in later if c['gc_in'])} (from the log's window); stall median {med(st):.1f} / p90 "
      f"{st[int(0.9 * (len(st) - 1))]:.1f} / max {st[-1]:.1f} ms, over 20 ms: {sum(1 for s in st if s > 20)}")
off = sorted(max(0, c['pause'] - c['cpu']) for c in later)
print(f"  later: off the core in the pause (wall - cpu): median {ms(med(off)):.3f} ms, p99 {ms(off[int(0.99 * (len(off) - 1))]):.3f}, "
      f"max {ms(off[-1]):.3f}, total {ms(sum(off)):.1f} ms; over 0.1 ms in {sum(1 for o in off if o > 1e5)}, over 0.5 ms in "
      f"{sum(1 for o in off if o > 5e5)}; off-core share of the long pauses' wall "
      f"{(sum(max(0, c['pause'] - c['cpu']) for c in longp) / sum(c['pause'] for c in longp) * 100) if longp else 0:.0f} %")
tt = sorted(c['total'] for c in later)
print(f"  later: checkpoint total median {ms(med(tt)):.0f} ms, p90 {ms(tt[int(0.9 * (len(tt) - 1))]):.0f}, max {ms(tt[-1]):.0f}; "
      f"collector in the checkpoints median {ms(med([c['gc'] for c in later])):.1f} ms")
bw = sorted(c['boundary'] for c in later if c.get('boundary', -1) >= 0)
if bw:
    print(f"  later: wait for the boundary median {ms(med(bw)):.3f} ms, p90 {ms(bw[int(0.9 * (len(bw) - 1))]):.3f}, max {ms(bw[-1]):.3f}")
for c in longp:
    print(f"    {datetime.datetime.utcfromtimestamp(c['created']).strftime('%H:%M:%S.%f')[:-3]} pause {ms(c['pause']):.3f} "
          f"cpu {ms(c['cpu']):.3f} [{c['kind']}] records/memory/disks/balloon {ms(c['rec']):.3f}/{ms(c['mem']):.3f}/"
          f"{ms(c['disks']):.3f}/{ms(c['balloon']):.3f} gcs {c['fgcs']} alloc {c['alloc']} log's collections "
          f"{[round(g[2], 1) for g in c['gc_in']]} safepoints {[s[2] for s in c['sp_in']]}")
for c in later:
    if c['stall'] is not None and c['stall'] > 20:
        print(f"    stall {c['stall']:.1f} ms at {datetime.datetime.utcfromtimestamp(c['created']).strftime('%H:%M:%S.%f')[:-3]}: "
              f"pause {ms(c['pause']):.3f} ms, total {ms(c['total']):.0f} ms, collector {ms(c['gc']):.1f} ms ({c['gcn']})")
