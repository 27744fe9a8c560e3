#!/usr/bin/env python3
"""(Round 66, gc66: round 65's round65-heap65-gcsum.py with an optional end of the window, TO.)
Summarise a long checkpointed run's -Xlog:gc* log (round 65, heap65): young and full collections, the old
generation after each young collection (from FROM seconds to the end: MB/s, and MB per checkpoint counted from the
repository's manifests' times), the collector's pauses.

    round66-gc66-gcsum.py RUNDIR [FROM [TO]]   (RUNDIR holds gc.log and repo/ as round65-heap65-longrun.sh leaves them)"""
import glob, os, re, statistics, sys

d = sys.argv[1]; t_from = float(sys.argv[2]) if len(sys.argv) > 2 else 60
log = os.path.join(d, 'gc.log')
olds, young, fulls = [], [], []
cur = None
for line in open(log):
    m = re.match(r'\[(\d+)ms\] GC\((\d+)\) ParOldGen: (\d+)K\(\d+K\)->(\d+)K', line)
    if m:
        cur = (int(m.group(1)) / 1000, int(m.group(4)) / 1024)
    m = re.match(r'\[(\d+)ms\] GC\(\d+\) Pause (Young|Full) \(([^)]*)\) \S+ ([\d.]+)ms', line)
    if m and cur:
        if m.group(2) == 'Young':
            olds.append(cur); young.append(float(m.group(4)))
        else:
            fulls.append((cur[0], m.group(3), float(m.group(4))))
# The JVM's start in wall time: the log's last write is its last line's uptime (within a young collection's interval).
jvm0 = os.stat(log).st_mtime - olds[-1][0]
ck = sorted(os.stat(p).st_mtime - jvm0 for p in glob.glob(os.path.join(d, 'repo', 'checkpoints', '*.manifest')))
a = min(olds, key=lambda p: abs(p[0] - t_from))
b = min(olds, key=lambda p: abs(p[0] - float(sys.argv[3]))) if len(sys.argv) > 3 else olds[-1]
n = sum(1 for t in ck if a[0] < t <= b[0])
ys = sorted(young)
print(f"{os.path.basename(d.rstrip('/'))}: {b[0]:.0f} s, {len(ck)} checkpoints; young collections {len(ys)} "
      f"(median {statistics.median(ys):.1f} ms, p99 {ys[int(0.99 * (len(ys) - 1))]:.1f}, max {ys[-1]:.1f}); "
      f"old generation after young collections {a[1]:.0f} MB at {a[0]:.0f} s -> {b[1]:.0f} MB at {b[0]:.0f} s: "
      f"{(b[1] - a[1]) / (b[0] - a[0]):.2f} MB/s over {n} checkpoints ({n / (b[0] - a[0]):.2f}/s): "
      f"{(b[1] - a[1]) / max(1, n):.2f} MB per checkpoint; full collections: {len(fulls)}")
for f in fulls:
    print(f"    full at {f[0]:.0f} s ({f[1]}) {f[2]:.0f} ms")
