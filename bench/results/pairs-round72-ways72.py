#!/usr/bin/env python3
"""Round 72 ways72 (adapted from round 71 tlb71's pairs-round71-tlb71.py): the slot's pairs from threads.py's JSON (one run of each launcher per file, bench/results/r72w/slot/
R<round>-<series>.json, or the bundle of them, threads-round72-ways72.json, keyed by those names): run-thread CPU seconds
per phase (boot to /init, module phase, compute phase, fork phase), the phases' wall and the C1 threads' CPU per phase
("c1"), base (main, /tmp/mainroot72) against the branch's side in the file (twoway: the switch
slot-round72-ways72.sh names). A pair is base's run and a side's run of one file. Also: each side's compute- and
fork-phase runs in order (their modes), the C1 units' leaves and rebuilds
(--stats), the canary (bench/cpu/canary.c's ALU loop before/after each run; a pair with a side's canary over 1.05x the
series' median is flagged "slow host"), the first runs, and the guests' checks.

  python3 bench/results/pairs-round72-ways72.py bench/results/threads-round72-ways72.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

A, HS = "base", ("twoway",)
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
        if not m or not d.get(A):
            continue
        others = {h: d[h][0] for h in HS if d.get(h)}
        if others:
            parsed.append((int(m.group(1)), m.group(2), d[A][0], others))
    parsed.sort(key=lambda x: x[0])
    canaries = [alu(r) for _, _, b, o in parsed for r in [b] + list(o.values()) if alu(r)]
    cmed = statistics.median(canaries) if canaries else None
    rows = defaultdict(list)
    for rnd, series, b, o in parsed:
        guest = "signed" if series.startswith("s") else "conflict72" if series.startswith("c") else "default"
        for hname, h in o.items():
            slow = cmed is not None and any((alu(r) or 0) > 1.05 * cmed for r in (b, h))
            for phase, key, wall in PHASES:
                for kind, f in (("run", lambda r, k=key: r.get(k, {}).get("run")), ("wall", wall), ("c1", lambda r, k=key: r.get(k, {}).get("C1"))):
                    vb, vh = f(b), f(h)
                    if vb is not None and vh is not None:
                        rows[(guest, hname, phase, kind)].append((rnd, vb, vh, slow))
    print(f"canary ALU median {cmed}")
    print("guest    side  phase    kind  pairs  side lower  equal  median base  median side  | without slow-host pairs: pairs lower | all pairs (base/side, in order; * slow host)")
    for (guest, hname, phase, kind), ps in sorted(rows.items(), key=lambda x: (x[0][0], x[0][1], [p for p, _, _ in PHASES].index(x[0][2]), x[0][3])):
        lower = sum(1 for _, vb, vh, _ in ps if vh < vb)
        equal = sum(1 for _, vb, vh, _ in ps if abs(vh - vb) < 0.005)
        mb = statistics.median(vb for _, vb, _, _ in ps)
        mh = statistics.median(vh for _, _, vh, _ in ps)
        quiet = [p for p in ps if not p[3]]
        ql = sum(1 for _, vb, vh, _ in quiet if vh < vb)
        print(f"{guest:8} {hname:5} {phase:8} {kind:5} {len(ps):5}  {lower:9}  {equal:5}  {mb:11.2f}  {mh:11.2f}  | {len(quiet):5} {ql:5} | "
              + ", ".join(f"{vb:.2f}/{vh:.2f}{'*' if s else ''}" for _, vb, vh, s in ps))
    print("# compute and fork phases' run thread by side, in round order (their modes)")
    for ph in ("compute_cpu", "fork_cpu"):
        for name in [A] + list(HS):
            xs = []
            for rnd, series, b, o in parsed:
                r = b if name == A else o.get(name)
                if r and r.get(ph):
                    xs.append(f"{'s' if series.startswith('s') else 'd'}{rnd}:{r[ph]['run']:.2f}")
            print(f"{ph} {name}: " + ", ".join(xs))
    print("# --stats: deferrals, the C1 units' leaves and rebuilds; canaries; load, per run")
    for rnd, series, b, o in parsed:
        print(f"R{rnd}-{series}: " + "; ".join(f"{n} deferrals {r.get('deferrals')}, leaves {r.get('c1_leaves')}, rebuilds {r.get('c1_rebuilds')}, canary alu {alu(r)}, load {r.get('load')}"
                                               for n, r in [(A, b)] + list(o.items())))
    print("# first run of each launcher per guest (run-thread CPU per phase)")
    seen = set()
    for rnd, series, b, o in parsed:
        guest = "signed" if series.startswith("s") else "conflict72" if series.startswith("c") else "default"
        for name, r in [(A, b)] + list(o.items()):
            if (guest, name) not in seen:
                seen.add((guest, name))
                print(f"R{rnd}-{series} {name}: " + ", ".join(f"{ph} {r.get(k, {}).get('run', float('nan')):.2f}" for ph, k, _ in PHASES))
    print("# guest checks (BENCH-INFO lines of the full runs)")
    for rnd, series, b, o in parsed:
        for name, r in [(A, b)] + list(o.items()):
            if r.get("info"):
                print(f"R{rnd}-{series} {name}: exit {r['exit']}; " + " | ".join(r["info"]))


if __name__ == "__main__":
    sys.exit(main())
