#!/usr/bin/env python3
"""Round 65 restore65: summary of the slot's bench/restore-cpu-ab.py files (rounds of three restores: main, new, t1 in
either order). Per workload and gap: medians, and in how many rounds one variant's figure was lower than another's;
then the first restore of each file on its own line. Usage: python3 THIS bench/results/restore-cpu-ab-round65-restore65-*.txt"""
import re, statistics, sys, collections

def variant(jar):
    if "mainroot" in jar: return "main"
    return "t1" if "tier1=true" in jar else "new"

rows = collections.defaultdict(list)  # (wl, gap) -> list of rounds {variant: figures}
firsts = []
for f in sorted(sys.argv[1:]):
    m = re.search(r"-(memrandom|memdirty)-(fwd|rev)-gap(\d)", f)
    if not m: continue
    wl, order, gap = m.group(1), m.group(2), m.group(3)
    cur = {}
    first = None
    for line in open(f):
        r = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \|(.*)", line)
        if not r: continue
        v = variant(r.group(1))
        rest = r.group(6)
        pl = re.search(r"pages\.loading ([\d.]+) ms", rest)
        fig = {"wall": int(r.group(2)), "cpu": int(r.group(3)), "gc": int(r.group(4)), "load": float(r.group(5)),
               "loading": float(pl.group(1)) if pl else None,
               "cached": "cached.items 1" in rest}
        if first is None: first = (f.split("/")[-1], v, fig)
        cur[v] = fig
        if len(cur) == 3:
            rows[(wl, gap)].append(cur)
            cur = {}
    if first: firsts.append(first)

for (wl, gap), rounds in sorted(rows.items()):
    loads = [x["load"] for r in rounds for x in r.values()]
    print(f"== {wl} gap {gap}: {len(rounds)} rounds, load {min(loads):.1f}-{max(loads):.1f}, "
          f"initramfs cached in {sum(x['cached'] for r in rounds for x in r.values())} of {3 * len(rounds)}")
    for v in ("main", "new", "t1"):
        xs = [r[v] for r in rounds]
        print(f"  {v:5s} medians: wall {statistics.median(x['wall'] for x in xs):.0f} ms, cpu {statistics.median(x['cpu'] for x in xs):.0f} ms, "
              f"gc {statistics.median(x['gc'] for x in xs):.0f} ms, pages.loading {statistics.median(x['loading'] for x in xs):.1f} ms")
    for a, b in (("t1", "main"), ("t1", "new"), ("new", "main")):
        c = {k: sum(r[a][k] < r[b][k] for r in rounds) for k in ("wall", "cpu", "loading")}
        print(f"  {a} lower than {b} in {len(rounds)} rounds: wall {c['wall']}, cpu {c['cpu']}, pages.loading {c['loading']}")
print("first restore of each file:")
for f, v, fig in firsts:
    print(f"  {f}: {v} wall {fig['wall']} ms, cpu {fig['cpu']} ms, pages.loading {fig['loading']} ms")
