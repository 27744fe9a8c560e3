#!/usr/bin/env python3
"""Counts of a fetch trace (round 75): what the fast loop's 16-bit expansion costs in cache lines, by table layout.

  VMCKPT_JAVA_OPTS="-Dvmckpt.interp.fetchTrace=T [-Dvmckpt.interp.fetchTraceFrom=N]" vmckpt run ...
  python3 bench/cpu/compressed-lines.py T [WINDOW...]

T holds the low 16 bits of every instruction the fast loop fetched (CompressedTrace). Prints the 16-bit share, how
often the length changes from one instruction to the next (the fetch's length test as a branch: a predictor that
guessed "same as the last" would miss that often), the distinct encodings, and for each layout of the expansion table
the distinct 64-byte lines touched over the trace and, per window of W consecutive instructions, the mean distinct
lines (the table's working set in that window: what it asks of the caches). Layouts: `int` (main: an int per encoding,
the encoding the index), `int-quadrant` (-Dvmckpt.interp.compressedByQuadrant), `short-dense` (2 bytes per entry),
`int-dense-q012` (the three quadrants' 49,152 entries only, no holes). Counts only: no time.
"""
import sys
import numpy as np

t = np.fromfile(sys.argv[1], dtype="<u2").astype(np.int64)
windows = [int(w) for w in sys.argv[2:]] or [1000, 10000, 100000]
n = len(t)
narrow = (t & 3) != 3
print("fetches %d, 16-bit %d (%.1f%%)" % (n, narrow.sum(), 100.0 * narrow.mean()))
sw = (narrow[1:] != narrow[:-1]).sum()
print("length changes between consecutive fetches: %d (%.1f%% of fetches)" % (sw, 100.0 * sw / max(1, n - 1)))
c = t[narrow]
u, cnt = np.unique(c, return_counts=True)
order = np.argsort(-cnt)
print("distinct 16-bit encodings: %d; the top 100 cover %.1f%%, top 1000 %.1f%%, top 4000 %.1f%% of 16-bit fetches"
      % (len(u), 100.0 * cnt[order[:100]].sum() / len(c), 100.0 * cnt[order[:1000]].sum() / len(c), 100.0 * cnt[order[:4000]].sum() / len(c)))
layouts = {
    "int": c >> 4,
    "int-quadrant": ((c >> 2) | ((c & 3) << 14)) >> 4,
    "int-dense-q012": ((c >> 2) + (c & 3) * 16384) >> 4,
    "short-dense": c >> 5,
}
for name, lines in layouts.items():
    row = ["%-15s lines touched %6d" % (name, len(np.unique(lines)))]
    for w in windows:
        # per window of w fetches (all lengths), the distinct lines among its 16-bit ones
        idx = np.nonzero(narrow)[0] // w
        ks = np.unique(idx)
        tot = 0
        key = idx * 65536 + lines
        tot = len(np.unique(key))
        row.append("per %d fetches: %.1f" % (w, tot / max(1, (n + w - 1) // w)))
    print("; ".join(row))
