#!/usr/bin/env python3
"""Summarise a -Xlog:gc log of a long checkpointed run: young/full counts, old-generation growth, pauses."""
import re, sys, os, statistics
for path in sys.argv[1:]:
    ys, fulls = [], []
    for line in open(path):
        m = re.match(r'\[(\d+)ms\] GC\(\d+\) Pause (Young|Full) \(([^)]*)\) (\d+)M->(\d+)M\((\d+)M\) ([\d.]+)ms', line)
        if not m: continue
        t = int(m.group(1)) / 1000; kind = m.group(2); cause = m.group(3)
        after = int(m.group(5)); cap = int(m.group(6)); ms = float(m.group(7))
        (ys if kind == 'Young' else fulls).append((t, after, cap, ms, cause))
    first_full = fulls[0][0] if fulls else None
    end = first_full if first_full else ys[-1][0]
    a = min(ys, key=lambda y: abs(y[0] - 60)); b = max((y for y in ys if y[0] <= end), key=lambda y: y[0])
    slope = (b[1] - a[1]) / (b[0] - a[0])
    pauses = sorted(y[3] for y in ys)
    name = os.path.basename(os.path.dirname(path))
    repo = os.path.join(os.path.dirname(path), 'repo', 'checkpoints')
    n = len(os.listdir(repo)) if os.path.isdir(repo) else -1
    print(f"{name}: {ys[-1][0]:.0f} s, checkpoints {n}, young {len(ys)} (median {statistics.median(pauses):.1f} ms, "
          f"p99 {pauses[int(0.99*len(pauses))]:.1f}, max {pauses[-1]:.1f}); heap used after young at {a[0]:.0f} s {a[1]} MB, "
          f"at {b[0]:.0f} s {b[1]} MB: {slope:.2f} MB/s; committed {ys[0][2]}->{ys[-1][2]} MB")
    for f in fulls:
        print(f"    full at {f[0]:.0f} s ({f[4]}): ->{f[1]}M({f[2]}M) {f[3]:.0f} ms")
