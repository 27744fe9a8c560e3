#!/usr/bin/env python3
"""Round 71 lean71: the slot's pairs from threads.py's JSON (one run of each launcher per file, bench/results/r71lean/
R<round>-<d|s|fd|fs>.json (fd, fs: BENCH-DONE runs), or the bundle of them, threads-round71-lean71.json, keyed by those names): run-thread CPU seconds of
every phase (boot to /init, modules, compute, fork), the phases' wall and the C1 threads' CPU per phase ("c1"), the
median of the pairs' differences (lean - main) and a two-sided sign test on the pairs that differ, main against lean
(this branch's lean-only jar). A pair is the two runs of one file. The canary (bench/cpu/canary.c's ALU loop
before/after each run; a pair with a side's canary over 1.05x the slot's median is flagged "slow host"), the first run
of each launcher per guest on its own line. (Round 70 lean70's script, its launcher names and series changed.)

  python3 bench/results/pairs-round71-lean71.py bench/results/threads-round71-lean71.json
"""
import json
import math
import re
import statistics
import sys
from collections import defaultdict

A, H = "main", "lean"
PHASES = [("boot", "init_cpu", lambda r: r.get("init_wall")),
          ("modules", "modules_cpu", lambda r: r["mend_wall"] - r["mstart_wall"] if "mend_wall" in r and "mstart_wall" in r else None),
          ("compute", "compute_cpu", lambda r: r.get("compute_wall")),
          ("fork", "fork_cpu", lambda r: r.get("fork_wall"))]


def sign_p(lower, higher):
    """Two-sided sign test: the chance of a split at least this uneven among lower + higher pairs under no effect."""
    n = lower + higher
    if n == 0:
        return float("nan")
    k = min(lower, higher)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


def alu(r):
    c = r.get("canary")
    return (c[0][0] + c[1][0]) / 2 if c else None


def main():
    runs = []
    for path in sys.argv[1:]:
        d = json.load(open(path))
        if re.search(r"R\d+-\w+\.json$", path):
            runs.append((path, d))
        else:
            runs += [(k + ".json", v) for k, v in d.items()]
    parsed = []
    for path, d in runs:
        m = re.search(r"R(\d+)-(\w+)\.json$", path)
        if not m or not d.get(A) or not d.get(H):
            continue
        parsed.append((int(m.group(1)), m.group(2), d[A][0], d[H][0]))
    parsed.sort(key=lambda x: x[0])
    canaries = [alu(r) for _, _, b, h in parsed for r in (b, h) if alu(r)]
    cmed = statistics.median(canaries) if canaries else None
    rows = defaultdict(list)
    for rnd, series, b, h in parsed:
        guest = "signed" if series.endswith("s") else "default"
        slow = cmed is not None and any((alu(r) or 0) > 1.05 * cmed for r in (b, h))
        for phase, key, wall in PHASES:
            for kind, f in (("run", lambda r, k=key: r.get(k, {}).get("run")), ("wall", wall), ("c1", lambda r, k=key: r.get(k, {}).get("C1"))):
                vb, vh = f(b), f(h)
                if vb is not None and vh is not None:
                    rows[(guest, phase, kind)].append((rnd, vb, vh, slow))
    print(f"canary ALU median {cmed}")
    print("guest    phase    kind  pairs  lean lower  equal  median main  median lean  median diff  sign p | without slow-host pairs: pairs lower | all pairs (main/lean, in order; * slow host)")
    for (guest, phase, kind), ps in sorted(rows.items(), key=lambda x: (x[0][0], [p for p, _, _ in PHASES].index(x[0][1]), x[0][2])):
        lower = sum(1 for _, vb, vh, _ in ps if vh < vb)
        equal = sum(1 for _, vb, vh, _ in ps if abs(vh - vb) < 0.005)
        mb = statistics.median(vb for _, vb, _, _ in ps)
        mh = statistics.median(vh for _, _, vh, _ in ps)
        quiet = [p for p in ps if not p[3]]
        ql = sum(1 for _, vb, vh, _ in quiet if vh < vb)
        higher = sum(1 for _, vb, vh, _ in ps if vh > vb)
        md = statistics.median(vh - vb for _, vb, vh, _ in ps)
        print(f"{guest:8} {phase:8} {kind:5} {len(ps):5}  {lower:9}  {equal:5}  {mb:11.2f}  {mh:11.2f}  {md:+11.3f}  {sign_p(lower, higher):6.3f} | {len(quiet):5} {ql:5} | "
              + ", ".join(f"{vb:.2f}/{vh:.2f}{'*' if s else ''}" for _, vb, vh, s in ps))
    print("# first run of each launcher per guest (its first pair in the slot): boot run / boot wall / module-phase run, s; compute / fork run")
    seen = set()
    for rnd, series, b, h in parsed:
        if series in seen:
            continue
        seen.add(series)
        for name, r in ((A, b), (H, h)):
            m = (r.get("mend_wall") or 0) - (r.get("mstart_wall") or 0)
            print(f"R{rnd}-{series} {name}: {r.get('init_cpu', {}).get('run', float('nan')):.2f} / {r.get('init_wall', float('nan')):.2f} / "
                  f"{r.get('modules_cpu', {}).get('run', float('nan')):.2f} (module wall {m:.2f}); "
                  f"{r.get('compute_cpu', {}).get('run', float('nan')):.2f} / {r.get('fork_cpu', {}).get('run', float('nan')):.2f}")
    print("# per run: canary ALU (main, lean), load")
    for rnd, series, b, h in parsed:
        print(f"R{rnd}-{series}: canary alu main {alu(b) or float('nan'):.3f} lean {alu(h) or float('nan'):.3f}; load {b.get('load', float('nan')):.2f}/{h.get('load', float('nan')):.2f}")
    print("# guest checks (BENCH-INFO lines of the full runs)")
    for rnd, series, b, h in parsed:
        for name, r in ((A, b), (H, h)):
            if r.get("info"):
                print(f"R{rnd}-{series} {name}: exit {r['exit']}; " + " | ".join(r["info"]))


if __name__ == "__main__":
    sys.exit(main())
