#!/usr/bin/env python3
"""Pairs of bench/restore-cpu-ab.py's output (a benchmark helper, not a test): each round's two restores (one per jar,
same repository, one after the other) as a pair; per workload, in how many pairs the new jar was lower, and the medians
and ranges, for wall, process CPU, collector pauses (and, where the output has them, the collector threads' system and
user CPU in the pauses), opening the checkpoint (before.checkpoint), the boot-files phase and its initramfs part.

    bench/restore-cpu-ab-pairs.py OUTPUT [NEW-JAR-SUBSTRING]      (default: a jar path without "mainroot" is new)
"""
import re, sys, statistics as st
rows = []
block = None
for line in open(sys.argv[1]):
    if line.startswith("=="): block = line.strip("= \n"); continue
    m = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \| (.*)", line)
    if not m: continue
    new_mark = sys.argv[2] if len(sys.argv) > 2 else None
    jar = "new" if ((new_mark in m.group(1)) if new_mark else ("mainroot" not in m.group(1))) else "base"
    ph = dict((k, float(v)) for k, v in re.findall(r"([\w.-]+) ([\d.]+) ms", m.group(6)))
    rows.append(dict(block=block, jar=jar, wall=int(m.group(2)), cpu=int(m.group(3)), gc=int(m.group(4)), load=float(m.group(5)), bf=ph.get("boot-files"), ini=ph.get("boot-files.initramfs"), machine=ph.get("machine"),
                     gcsys=ph.get("gc.sys"), gcuser=ph.get("gc.user"), ckpt=ph.get("before.checkpoint")))
pairs = []
for i in range(0, len(rows) - 1, 2):
    a, b = rows[i], rows[i + 1]
    if a["block"] != b["block"]: continue
    n, o = (a, b) if a["jar"] == "new" else (b, a)
    pairs.append((n, o))
for wl in ("memdirty", "memrandom"):
    ps = [p for p in pairs if p[0]["block"].startswith(wl)]
    if not ps: continue
    print(f"{wl}: {len(ps)} pairs, load {min(p[0]['load'] for p in ps):.1f}-{max(p[0]['load'] for p in ps):.1f}")
    for k in ("wall", "cpu", "gc", "gcsys", "gcuser", "ckpt", "bf", "ini"):
        if any(n[k] is None or o[k] is None for n, o in ps):
            continue
        lower = sum(1 for n, o in ps if n[k] < o[k])
        print(f"  {k}: new lower in {lower} of {len(ps)}; medians new {st.median(n[k] for n, o in ps):.0f} base {st.median(o[k] for n, o in ps):.0f}; new {min(n[k] for n,o in ps):.0f}-{max(n[k] for n,o in ps):.0f}, base {min(o[k] for n,o in ps):.0f}-{max(o[k] for n,o in ps):.0f}")
