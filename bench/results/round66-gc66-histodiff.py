#!/usr/bin/env python3
"""Difference of two jcmd GC.class_histogram outputs, largest byte growth first."""
import sys, re
def load(p):
    d = {}
    for line in open(p):
        m = re.match(r'\s*\d+:\s+(\d+)\s+(\d+)\s+(\S+)', line)
        if m: d[m.group(3)] = (int(m.group(1)), int(m.group(2)))
    return d
a, b = load(sys.argv[1]), load(sys.argv[2]); secs = float(sys.argv[3]) if len(sys.argv) > 3 else 1
rows = sorted(((b.get(k, (0, 0))[1] - a.get(k, (0, 0))[1], b.get(k, (0, 0))[0] - a.get(k, (0, 0))[0], k) for k in set(a) | set(b)), reverse=True)
tot = sum(r[0] for r in rows)
print(f"total growth {tot/1e6:.1f} MB ({tot/1e6/secs:.2f} MB/s over {secs:.0f} s)")
for db, dn, k in rows[:25]:
    print(f"{db/1e6:10.2f} MB {db/1e6/secs:7.3f} MB/s {dn:9d} inst  avg {db/dn if dn else 0:9.0f} B  {k}")
