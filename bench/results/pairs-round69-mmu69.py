#!/usr/bin/env python3
"""Round 69 mmu69 (adapted from round 68's pairs-round68-c1ml68.py): the slot's pairs from threads.py's JSON (one run of each launcher per file, bench/results/r69m/
R<round>-<series>.json, or the bundle of them, threads-round69-mmu69.json, keyed by those names): run-thread CPU seconds
per phase (boot to /init, module phase, compute phase, fork phase), the phases' wall and the C1 threads' CPU per phase
("c1"), base (main, /tmp/mainroot69) against mmu (this branch's jar with the switches the slot script names). A pair is the two runs
of one file. Also: each side's compute-phase runs in order (the phase's two modes), the C1 units' leaves and rebuilds
(--stats), the canary (bench/cpu/canary.c's ALU loop before/after each run; a pair with a side's canary over 1.05x the
series' median is flagged "slow host"), the first runs, and the guests' checks.

  python3 bench/results/pairs-round69-mmu69.py bench/results/threads-round69-mmu69.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

A, H = "base", "mmu"
PHASES = [("boot", "init_cpu", lambda r: r.get("init_wall")),
          ("modules", "modules_cpu", lambda r: r["mend_wall"] - r["mstart_wall"] if "mend_wall" in r and "mstart_wall" in r else None),
          ("compute", "compute_cpu", lambda r: r.get("compute_wall")),
          ("fork", "fork_cpu", lambda r: r.get("fork_wall"))]


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
        guest = "signed" if series.startswith("s") else "default"
        slow = cmed is not None and any((alu(r) or 0) > 1.05 * cmed for r in (b, h))
        for phase, key, wall in PHASES:
            for kind, f in (("run", lambda r, k=key: r.get(k, {}).get("run")), ("wall", wall), ("c1", lambda r, k=key: r.get(k, {}).get("C1"))):
                vb, vh = f(b), f(h)
                if vb is not None and vh is not None:
                    rows[(guest, phase, kind)].append((rnd, vb, vh, slow))
    print(f"canary ALU median {cmed}")
    print("guest    phase    kind  pairs  mmu lower  equal  median base  median mmu  | without slow-host pairs: pairs lower | all pairs (base/mmu, in order; * slow host)")
    for (guest, phase, kind), ps in sorted(rows.items(), key=lambda x: (x[0][0], [p for p, _, _ in PHASES].index(x[0][1]), x[0][2])):
        lower = sum(1 for _, vb, vh, _ in ps if vh < vb)
        equal = sum(1 for _, vb, vh, _ in ps if abs(vh - vb) < 0.005)
        mb = statistics.median(vb for _, vb, _, _ in ps)
        mh = statistics.median(vh for _, _, vh, _ in ps)
        quiet = [p for p in ps if not p[3]]
        ql = sum(1 for _, vb, vh, _ in quiet if vh < vb)
        print(f"{guest:8} {phase:8} {kind:5} {len(ps):5}  {lower:9}  {equal:5}  {mb:11.2f}  {mh:11.2f}  | {len(quiet):5} {ql:5} | "
              + ", ".join(f"{vb:.2f}/{vh:.2f}{'*' if s else ''}" for _, vb, vh, s in ps))
    print("# compute phase's run thread by side, in round order (its two modes)")
    for name, i in ((A, 2), (H, 3)):
        xs = [p[i].get("compute_cpu", {}).get("run") for p in parsed if p[i].get("compute_cpu")]
        print(f"{name}: " + ", ".join(f"{x:.2f}" for x in xs))
    print("# --stats: deferrals, the C1 units' leaves and rebuilds, per run")
    for rnd, series, b, h in parsed:
        print(f"R{rnd}-{series}: base deferrals {b.get('deferrals')}, leaves {b.get('c1_leaves')}, rebuilds {b.get('c1_rebuilds')}; mmu deferrals {h.get('deferrals')}, leaves {h.get('c1_leaves')}, rebuilds {h.get('c1_rebuilds')}; "
              f"canary alu base {alu(b)} mmu {alu(h)}; load {b.get('load')}/{h.get('load')}")
    print("# first run of each launcher per guest (run-thread CPU per phase)")
    seen = set()
    for rnd, series, b, h in parsed:
        guest = "signed" if series.startswith("s") else "default"
        for name, r in ((A, b), (H, h)):
            if (guest, name) not in seen:
                seen.add((guest, name))
                print(f"R{rnd}-{series} {name}: " + ", ".join(f"{ph} {r.get(k, {}).get('run', float('nan')):.2f}" for ph, k, _ in PHASES))
    print("# guest checks (BENCH-INFO lines of the full runs)")
    for rnd, series, b, h in parsed:
        for name, r in ((A, b), (H, h)):
            if r.get("info"):
                print(f"R{rnd}-{series} {name}: exit {r['exit']}; " + " | ".join(r["info"]))


if __name__ == "__main__":
    sys.exit(main())
