#!/usr/bin/env python3
"""The run thread's perf samples by kind of code and by HotSpot code heap (round 58).

  python3 bench/cpu/perf-phase.py LAUNCHER OUT ...
  perf script -i OUT.gzip.data --comms java -F tid,ip > OUT.ips
  python3 bench/cpu/perf-heaps.py /tmp/perf-PID.map OUT.ips

perf-split.py names a hot-tier unit's code by its class (HotUnit) only, so the time a hot build runs as tier-3 code
(C1 with full profiling, while C2 compiles it or waits to) counts as "C2 units". HotSpot's segmented code cache keeps
profiled code (tier 2/3) and non-profiled code (tier 1 and C2) in separate heaps, so the address says which: this
prints each kind of code per 64 MiB address region (the regions differ per run; the profiled heap is the lower one),
and the hot units' samples per class and region. The run thread is the thread with the most samples. Not a test.
"""
import bisect
import collections
import sys

entries = []
for line in open(sys.argv[1]):
    a, s, n = line.split(" ", 2)
    entries.append((int(a, 16), int(s, 16), n.strip()))
entries.sort()
starts = [e[0] for e in entries]
lines = [l.split() for l in open(sys.argv[2]) if len(l.split()) == 2]
run = collections.Counter(t for t, _ in lines).most_common(1)[0][0]
kinds, hot, total = collections.Counter(), collections.Counter(), 0
for t, ip in lines:
    if t != run:
        continue
    ip = int(ip, 16)
    total += 1
    i = bisect.bisect_right(starts, ip) - 1
    if i < 0 or ip >= entries[i][0] + entries[i][1]:
        kinds["unmapped/native"] += 1
        continue
    name, region = entries[i][2], hex(ip >> 26)
    kind = "HotUnit" if "HotUnit" in name else "UnitBg" if "UnitBg" in name or "cpu.Unit/" in name else name[:60]
    kinds[(kind, region)] += 1
    if kind == "HotUnit":
        hot[(name.split("/")[1][:18], region)] += 1
print("run thread", run, "samples", total)
for k, v in kinds.most_common(25):
    print("%6d %5.1f%% %s" % (v, 100 * v / total, k))
print("hot units:")
for k, v in hot.most_common(20):
    print("%6d %5.1f%% %s" % (v, 100 * v / total, k))
