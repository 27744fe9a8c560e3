#!/usr/bin/env python3
"""Rounds of bench/restore-cpu-ab.py's output with several variants (a benchmark helper, not a test): per workload, each
variant against each other in the same round (lower in how many), medians of wall, cpu, collector pauses and their
system time (gc.sys), and the first restore of each series. Variants by jar path and options: main (a jar under
"mainroot"), off (-Dvmckpt.restore.prefault=false), on384 (firstMiB=384), on64 (any other: this jar's defaults, round 59).

    bench/restore-cpu-ab-variants.py OUTPUT"""
import re, sys, statistics as st, collections
rows = []; block = None
for line in open(sys.argv[1]):
    if line.startswith("=="): block = line.strip("= \n").split()[0] + " " + line.strip("= \n").split()[1]; continue
    m = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \| (.*)", line)
    if not m: continue
    v = m.group(1)
    v = "main" if "mainroot" in v else ("off" if "prefault=false" in v else ("on384" if "firstMiB=384" in v else "on64"))
    ph = dict((k, float(x)) for k, x in re.findall(r"([\w.-]+) ([\d.]+) ms", m.group(6)))
    rows.append(dict(block=block, v=v, wall=int(m.group(2)), cpu=int(m.group(3)), gc=int(m.group(4)), load=float(m.group(5)),
                     gcsys=ph.get("gc.sys"), pages=ph.get("pages.loading")))
variants = ["main", "off", "on64", "on384"]
for wl in ("memrandom", "memdirty"):
    rs = [r for r in rows if r["block"].startswith(wl)]
    if not rs: continue
    # rounds: consecutive groups of len(variants) within a block
    rounds = []
    for b in dict.fromkeys(r["block"] for r in rs):
        br = [r for r in rs if r["block"] == b]
        k = len(set(r["v"] for r in br))
        for i in range(0, len(br) - k + 1, k):
            rounds.append({r["v"]: r for r in br[i:i + k]})
    print(f"{wl}: {len(rounds)} rounds, load {min(r['load'] for r in rs):.1f}-{max(r['load'] for r in rs):.1f}")
    for key in ("wall", "cpu", "gc", "gcsys"):
        meds = {v: st.median([rd[v][key] for rd in rounds if v in rd and rd[v][key] is not None]) for v in variants if any(v in rd for rd in rounds)}
        print(f"  {key} medians: " + ", ".join(f"{v} {m:.0f}" for v, m in meds.items()))
        for a, b in (("on64", "off"), ("on384", "off"), ("on384", "on64"), ("on64", "main"), ("on384", "main"), ("off", "main")):
            ps = [(rd[a][key], rd[b][key]) for rd in rounds if a in rd and b in rd]
            if ps: print(f"    {a} lower than {b} in {sum(1 for x, y in ps if x < y)} of {len(ps)}")
    for b in dict.fromkeys(r["block"] for r in rs):
        first = [r for r in rs if r["block"] == b][0]
        print(f"  first restore of block '{b}': {first['v']} wall {first['wall']} cpu {first['cpu']} gc {first['gc']} load {first['load']}")
