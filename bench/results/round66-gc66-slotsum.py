#!/usr/bin/env python3
"""Round 66, gc66: summary of one VM run checkpointed every second (round66-gc66-slot.sh or -longrun.sh leave RUNDIR
with gc.log, out.txt (timestamped console, slot runs), repo/, and stats.tsv from bench/CheckpointStats.java with the keys
time.pause.ns time.total.ns gc.pause.ns gc.pauses gc.pause.max.ns).

    round66-gc66-slotsum.py RUNDIR [FROM_S]

Old generation: occupancy after each young collection (-Xmn16m, promotion at the first collection), from FROM_S
(default 60) seconds of JVM uptime to the end, per checkpoint committed in that window. Checkpoints: pause, the
collector's pauses inside each (gc.pause.ns), total; stall = the longest memdirty heartbeat gap that overlaps the
checkpoint (from its freeze to its commit) minus the 100 ms period (default guest only). The first on its own line."""
import os, re, statistics, sys

d = sys.argv[1]; t_from = float(sys.argv[2]) if len(sys.argv) > 2 else 60
med = lambda xs: statistics.median(xs) if xs else float('nan')
log = os.path.join(d, 'gc.log')
olds, young, fulls, cur = [], [], [], None
for line in open(log):
    m = re.match(r'\[(\d+)ms\] GC\((\d+)\) ParOldGen: (\d+)K\(\d+K\)->(\d+)K', line)
    if m: cur = (int(m.group(1)) / 1000, int(m.group(4)) / 1024)
    m = re.match(r'\[(\d+)ms\] GC\(\d+\) Pause (Young|Full) \(([^)]*)\) \S+ ([\d.]+)ms', line)
    if m and cur:
        if m.group(2) == 'Young': olds.append(cur); young.append(float(m.group(4)))
        else: fulls.append((cur[0], m.group(3), float(m.group(4))))
jvm0 = os.stat(log).st_mtime - olds[-1][0]  # the JVM's start, wall clock (the log's last write ~ its last line)
cks = []
for line in open(os.path.join(d, 'stats.tsv')):
    f = line.split('\t')
    created = int(f[1]) / 1000
    pause, total, gc, gcn, gcmax = (int(x) for x in f[2:7])
    cks.append(dict(created=created, pause=pause / 1e6, total=total / 1e6, gc=gc / 1e6, gcn=gcn, gcmax=gcmax / 1e6))
hb = []
out = os.path.join(d, 'out.txt')
if os.path.exists(out):
    for line in open(out, errors='replace'):
        m = re.match(r'([\d.]+) .*memdirty heartbeat \d+', line)
        if m: hb.append(float(m.group(1)))
for c in cks:
    t0, t1 = c['created'] - c['pause'] / 1e3, c['created'] + c['total'] / 1e3
    before = [t for t in hb if t <= t0]; after = [t for t in hb if t > t1]
    if not before or not after: c['stall'] = None; continue
    seq = [before[-1]] + [t for t in hb if t0 < t <= t1] + [after[0]]
    c['stall'] = max(b - a for a, b in zip(seq, seq[1:])) * 1e3 - 100
a = min(olds, key=lambda p: abs(p[0] - t_from)); b = olds[-1]
n = sum(1 for c in cks if a[0] < c['created'] - jvm0 <= b[0])
ys = sorted(young)
print(f"{os.path.basename(d.rstrip('/'))}: {b[0]:.0f} s, {len(cks)} checkpoints; young collections {len(ys)} (median "
      f"{med(ys):.1f} ms, max {ys[-1]:.1f}); old generation {a[1]:.0f} MB at {a[0]:.0f} s -> {b[1]:.0f} MB at {b[0]:.0f} s "
      f"over {n} checkpoints: {(b[1] - a[1]) / max(1, n):.2f} MB per checkpoint ({(b[1] - a[1]) / (b[0] - a[0]):.2f} MB/s); "
      f"full collections {len(fulls)}" + "".join(f" [full at {f[0]:.0f} s, {f[2]:.0f} ms]" for f in fulls))
if cks:
    f = cks[0]
    print(f"  first: pause {f['pause']:.3f} ms, stall {f['stall'] if f['stall'] is None else round(f['stall'], 1)} ms, "
          f"collector in it {f['gc']:.1f} ms ({f['gcn']} pauses, longest {f['gcmax']:.1f}), total {f['total']:.0f} ms")
    later = cks[1:]
    if later:
        st = sorted(c['stall'] for c in later if c['stall'] is not None)
        stall = (f"stall median {med(st):.1f} / p90 {st[int(0.9 * (len(st) - 1))]:.1f} / max {st[-1]:.1f} ms, over 20 ms: "
                 f"{sum(1 for s in st if s > 20)}" if st else "no heartbeat")
        print(f"  later ({len(later)}): pause median {med([c['pause'] for c in later]):.3f} ms (max "
              f"{max(c['pause'] for c in later):.3f}, over 1 ms: {sum(1 for c in later if c['pause'] > 1)}); {stall}; collector "
              f"in them median {med([c['gc'] for c in later]):.1f} ms, total {sum(c['gc'] for c in later):.0f} ms, in "
              f"{sum(1 for c in later if c['gcn'] > 0)} of {len(later)}, longest {max(c['gcmax'] for c in later):.1f} ms; "
              f"total median {med([c['total'] for c in later]):.0f} ms")
