#!/usr/bin/env python3
"""Round 81 (compute81): the compute phase's parts (benchtool gen: modules-end to compute-start; sha256: compute-start
to sha256-end, two sha256sums; gzip: sha256-end to compute-end, gzip -1) and the whole phase, A/B pairs from
ab-slot.sh's R<round>-<guest>.json: per guest, part and figure (the run thread's CPU, the part's wall, C2's CPU, the
old generation's prefault thread's CPU), pairs, B lower, medians of A and B, every pair; then the first run of each
launcher per guest on its own line. A pair is A's and B's run of the same file (round); runs not exit 0 are left out.

  python3 parts-round81-compute81.py DIR/R*.json --a main --b wi
"""
import argparse, json, re, statistics

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--a", required=True)
ap.add_argument("--b", required=True)
args = ap.parse_args()
PARTS = (("gen", "mend", "cstart"), ("sha256", "cstart", "s256"), ("gzip", "s256", "cend"), ("compute", "cstart", "cend"))
FIGS = ("run", "wall", "C2", "prefault", "gc")


def fig(r, a, b, g):
    if r.get("exit") != 0:
        return None
    if g == "wall":
        x, y = r.get(a + "_wall"), r.get(b + "_wall")
        return y - x if x is not None and y is not None else None
    x, y = r.get(a + "_cpu"), r.get(b + "_cpu")
    return y.get(g, 0.0) - x.get(g, 0.0) if x and y else None


def rnd(p):
    m = re.search(r"R(\d+)", p)
    return int(m.group(1)) if m else 0


rows, first = {}, {}
for f in sorted(args.files, key=rnd):
    d = json.load(open(f))
    ra, rb = d.get(args.a, []), d.get(args.b, [])
    for x, y in zip(ra, rb):
        g = x.get("guest", "?")
        for name, r in ((args.a, x), (args.b, y)):
            first.setdefault((g, name), (rnd(f), r))
        for part, a, b in PARTS:
            for fg in FIGS:
                va, vb = fig(x, a, b, fg), fig(y, a, b, fg)
                if va is not None and vb is not None:
                    rows.setdefault((g, part, fg), []).append((rnd(f), va, vb))
print(f"# {args.a} against {args.b}: per part, pairs of the same round; 'lower' = {args.b} lower")
print(f"{'guest':8s} {'part':8s} {'figure':9s} pairs lower  med A  med B  pairs (A/B)")
for (g, part, fg), ps in sorted(rows.items(), key=lambda kv: (kv[0][0], [p[0] for p in PARTS].index(kv[0][1]), FIGS.index(kv[0][2]))):
    lower = sum(1 for _, a, b in ps if b < a)
    print(f"{g:8s} {part:8s} {fg:9s} {len(ps):5d} {lower:5d} {statistics.median(a for _, a, _ in ps):6.2f} "
          f"{statistics.median(b for _, _, b in ps):6.2f}  " + " ".join(f"R{n}:{a:.2f}/{b:.2f}" for n, a, b in ps))
print("# the first run of each launcher per guest")
for (g, name), (n, r) in sorted(first.items()):
    print(f"{g} {name} (R{n}): " + ", ".join(
        f"{part} run {fig(r, a, b, 'run') or float('nan'):.2f} wall {fig(r, a, b, 'wall') or float('nan'):.2f}" for part, a, b in PARTS))
