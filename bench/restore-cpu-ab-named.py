#!/usr/bin/env python3
"""Rounds of bench/restore-cpu-ab.py's output, variants named by what their options contain (a benchmark helper, not a
test; round 63). Each FILE is one call of restore-cpu-ab.py (one workload, its variants in some order, N rounds); a round
is one restore of each variant, one after the other. NAMES maps a substring of the variant's "JAR@OPTIONS" to a name,
tried in order (the first that matches; "mainroot" for main's jar, "" for anything else). Per workload: each pair of
variants, in how many rounds the first was lower (spawn to restored, process CPU, collector pauses, pages.loading),
the medians, and the first restore of each file (the series' cold one) on its own line.

    bench/restore-cpu-ab-named.py NAME=SUBSTRING[,NAME=SUBSTRING...] FILE [FILE...]
e.g. bench/restore-cpu-ab-named.py both=beforeSourcePages,block=blockingHold,main=mainroot FILES
"""
import collections
import itertools
import re
import statistics as st
import sys

names = [kv.split("=", 1) for kv in sys.argv[1].split(",")]


def name(v):
    for n, sub in names:
        if sub in v:
            return n
    return "other"


order = [n for n, _ in names]
rounds = collections.defaultdict(list)  # workload -> [{variant: row}]
firsts = []
for path in sys.argv[2:]:
    rows = []
    for line in open(path):
        m = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \| (.*)", line)
        if not m:
            continue
        ph = dict((k, float(x)) for k, x in re.findall(r"([\w.-]+) ([\d.]+) ms", m.group(6)))
        rows.append(dict(v=name(m.group(1)), wall=int(m.group(2)), cpu=int(m.group(3)), gc=int(m.group(4)),
                         load=float(m.group(5)), loading=ph.get("pages.loading"), win=ph.get("pages.oldgen.window"),
                         refs=ph.get("pages.references.cpu"), copy=ph.get("copy")))
    if not rows:
        continue
    wl = "memdirty" if "memdirty" in path else "memrandom"
    k = len(dict.fromkeys(r["v"] for r in rows))
    firsts.append((path, rows[0]))
    for i in range(0, len(rows) - k + 1, k):
        rounds[wl].append({r["v"]: r for r in rows[i:i + k]})


def med(xs):
    xs = [x for x in xs if x is not None]
    return st.median(xs) if xs else float("nan")


for wl, rs in rounds.items():
    vs = [v for v in order if any(v in r for r in rs)]
    loads = [x["load"] for r in rs for x in r.values()]
    print(f"== {wl}: {len(rs)} rounds, load {min(loads):.1f}-{max(loads):.1f}")
    for v in vs:
        xs = [r[v] for r in rs if v in r]
        print(f"  {v:<6} medians: wall {med([x['wall'] for x in xs]):.0f} ms, cpu {med([x['cpu'] for x in xs]):.0f} ms, "
              f"collector pauses {med([x['gc'] for x in xs]):.0f} ms, pages.loading {med([x['loading'] for x in xs]):.0f} ms, "
              f"window {med([x['win'] for x in xs]):.0f} ms, references cpu {med([x['refs'] for x in xs]):.0f} ms, "
              f"copy cpu {med([x['copy'] for x in xs]):.0f} ms")
    for a, b in itertools.combinations(vs, 2):
        both = [r for r in rs if a in r and b in r]
        cnt = {k: sum(r[a][k] < r[b][k] for r in both if r[a][k] is not None and r[b][k] is not None)
               for k in ("wall", "cpu", "gc", "loading")}
        print(f"  {a} lower than {b} in {len(both)} rounds: wall {cnt['wall']}, cpu {cnt['cpu']}, pauses {cnt['gc']}, "
              f"pages.loading {cnt['loading']}")
print("first restore of each file:")
for path, r in firsts:
    print(f"  {path.split('/')[-1]}: {r['v']} wall {r['wall']} ms, cpu {r['cpu']} ms, pages.loading {r['loading']} ms")
