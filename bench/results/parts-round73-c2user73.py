#!/usr/bin/env python3
"""Round 73 (c2user73): the compute phase's two parts (compute-start to sha256-end: two sha256sums; sha256-end to
compute-end: gzip -1) and benchtool gen before it (modules-end to compute-start, not a phase of bench/cpu/pairs.py),
A/B pairs from ab-slot.sh's R<round>-<guest>.json (threads.py keeps the sha256-end mark as "s256_cpu" since round 73).
A pair is A's and B's run of the same file (round). Per guest and part: pairs, B lower, medians of A and B, for the
run thread's CPU and C2's.

  python3 parts-round73-c2user73.py DIR/R*.json --a main --b user
"""
import argparse
import json
import re
import statistics

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--a", required=True)
ap.add_argument("--b", required=True)
args = ap.parse_args()
PARTS = (("gen", "mend", "cstart"), ("sha256", "cstart", "s256"), ("gzip", "s256", "cend"))


def part(r, a, b, g):
    x, y = r.get(a + "_cpu"), r.get(b + "_cpu")
    return y[g] - x[g] if x and y and r.get("exit") == 0 else None


rows = {}
for f in sorted(args.files, key=lambda p: int(re.search(r"R(\d+)", p).group(1)) if re.search(r"R(\d+)", p) else 0):
    d = json.load(open(f))
    for ra, rb in zip(d.get(args.a, []), d.get(args.b, [])):
        guest = ra.get("guest", "default" if "default" in f else "signed")
        for name, a, b in PARTS:
            for g in ("run", "C2"):
                va, vb = part(ra, a, b, g), part(rb, a, b, g)
                if va is not None and vb is not None:
                    rows.setdefault((guest, name, g), []).append((va, vb, f.rsplit("/", 1)[-1]))
print(f"# {args.a} against {args.b}: thread CPU s per part, pairs of the same round")
print("guest    part     group pairs B lower  med A  med B  pairs (A/B)")
for (guest, name, g), ps in sorted(rows.items()):
    lower = sum(1 for a, b, _ in ps if b < a - 0.005)
    print(f"{guest:8s} {name:8s} {g:5s} {len(ps):5d} {lower:7d} {statistics.median(a for a, _, _ in ps):6.2f} "
          f"{statistics.median(b for _, b, _ in ps):6.2f}  " + " ".join(f"{a:.2f}/{b:.2f}" for a, b, _ in ps))
