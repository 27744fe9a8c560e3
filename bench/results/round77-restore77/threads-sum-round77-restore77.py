#!/usr/bin/env python3
"""restore77's back-to-back bench/restore-threads.py series from the slot log (slot-round77-restore77.sh's part 3): per
variant (main, off = this jar, on = this jar with -Dvmckpt.restore.mapPacks=true), the medians of "restored" (the JVM's
uptime), the restore in process, the loading, the loaders' stage CPU and the process's CPU; each variant's first run on
its own line; pairs within each round (main/off/on/on/off/main: the first three against each other, the last three too).

    threads-sum-round77-restore77.py slot-slot-log.txt"""
import re, statistics, sys

runs = []  # (round, variant, {metric: value})
cur = None
for line in open(sys.argv[1]):
    m = re.match(r"== \S+ load (\S+) .*: threads (\d+) (\w+)", line)
    if m:
        cur = (int(m.group(2)), m.group(3), {"load": float(m.group(1))})
        runs.append(cur)
        continue
    if cur is None:
        continue
    d = cur[2]
    m = re.search(r"restored at (\d+) ms", line)
    if m:
        d["restored"] = float(m.group(1))
    m = re.search(r"the restore (\d+) ms, restored", line)
    if m:
        d["start"] = float(m.group(1))
    for key, rx in (("loading", r"pages\.loading ([\d.]+)"), ("read", r"pages\.read\.cpu ([\d.]+)"), ("decode", r"pages\.decode\.cpu ([\d.]+)"),
                    ("copy", r"pages\.copy\.cpu ([\d.]+)"), ("refs", r"pages\.references\.cpu ([\d.]+)"), ("machine", r"machine ([\d.]+) ms"),
                    ("cpu", r"; total (\d+);"), ("gc", r"gc: \d+ pauses, (\d+) ms")):
        m = re.search(rx, line)
        if m:
            d[key] = float(m.group(1))
    if "restored" in d and "start" in d:
        d["inproc"] = d["restored"] - d["start"]

runs = [r for r in runs if "restored" in r[2]]
keys = ("restored", "start", "inproc", "loading", "read", "decode", "copy", "refs", "machine", "cpu", "gc")
print("variant  n | " + " | ".join(keys) + "  (medians, ms)")
for v in ("main", "off", "on"):
    xs = [r[2] for r in runs if r[1] == v]
    if not xs:
        continue
    meds = [statistics.median([x[k] for x in xs if k in x]) if any(k in x for x in xs) else float("nan") for k in keys]
    print(f"{v:5s} {len(xs):4d} | " + " | ".join(f"{m:.0f}" for m in meds))
    first = xs[0]
    print(f"      first run: " + ", ".join(f"{k} {first[k]:.0f}" for k in keys if k in first) + f" (load {first['load']})")


def pairs(a, b, key):
    """Pairs of a and b in the same half-round (positions 0-2 and 3-5 of a round's main/off/on/on/off/main)."""
    out = []
    by = {}
    for i, (rnd, v, d) in enumerate(runs):
        by.setdefault(rnd, []).append((v, d))
    for rnd, lst in by.items():
        for half in (lst[:3], lst[3:]):
            da = [d for v, d in half if v == a and key in d]
            db = [d for v, d in half if v == b and key in d]
            if da and db:
                out.append((da[0][key], db[0][key]))
    return out


for a, b in (("on", "off"), ("off", "main"), ("on", "main")):
    for key in ("restored", "inproc", "loading", "read", "decode", "copy", "cpu"):
        p = pairs(a, b, key)
        if p:
            lo = sum(1 for x, y in p if x < y)
            print(f"{a} vs {b}, {key}: {a} lower in {lo} of {len(p)}; median of differences {statistics.median([x - y for x, y in p]):+.0f} ms")
