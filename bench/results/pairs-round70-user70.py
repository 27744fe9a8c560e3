#!/usr/bin/env python3
"""Round 70 user70: the slot's pairs from threads.py's JSON (bench/results/r70u/R<round>-<guest>.json, one run of each
launcher per file, or their bundle threads-round70-user70.json keyed by those names): run-thread CPU seconds per phase
(boot to /init, module phase, compute phase, fork phase), the phases' wall and the C1 and C2 threads' CPU per phase,
main against hmlu (-Dvmckpt.jit.hotMissLeavesUser=true). A pair is main's run
and the other's in the same round (file). A pair with a side's canary (bench/cpu/canary.c's ALU loop before/after the
run) over 1.05x the series' median is flagged "slow host". Also the first runs, the compute phase in round order, and
the guests' checks.

  python3 bench/results/pairs-round70-user70.py bench/results/threads-round70-user70.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

BASE, OTHERS = "main", ("hmlu",)
PHASES = [("boot", "init_cpu", lambda r: r.get("init_wall")),
          ("modules", "modules_cpu", lambda r: r["mend_wall"] - r["mstart_wall"] if "mend_wall" in r and "mstart_wall" in r else None),
          ("compute", "compute_cpu", lambda r: r.get("compute_wall")),
          ("fork", "fork_cpu", lambda r: r.get("fork_wall"))]


def alu(r):
    c = r.get("canary")
    return (c[0][0] + c[1][0]) / 2 if c and c[0] and c[1] else None


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
        if m and d.get(BASE):
            parsed.append((int(m.group(1)), m.group(2), {k: v[0] for k, v in d.items() if v}))
    parsed.sort(key=lambda x: x[0])
    canaries = [alu(r) for _, _, d in parsed for r in d.values() if alu(r)]
    cmed = statistics.median(canaries) if canaries else None
    print(f"canary ALU median {cmed}")
    for other in OTHERS:
        rows = defaultdict(list)
        for rnd, guest, d in parsed:
            b, h = d.get(BASE), d.get(other)
            if not b or not h:
                continue
            slow = cmed is not None and any((alu(r) or 0) > 1.05 * cmed for r in (b, h))
            for phase, key, wall in PHASES:
                for kind, f in (("run", lambda r, k=key: r.get(k, {}).get("run")), ("wall", wall),
                                ("c1", lambda r, k=key: r.get(k, {}).get("C1")), ("c2", lambda r, k=key: r.get(k, {}).get("C2"))):
                    vb, vh = f(b), f(h)
                    if vb is not None and vh is not None:
                        rows[(guest, phase, kind)].append((rnd, vb, vh, slow))
        print(f"\n## main against {other}")
        print(f"guest    phase    kind  pairs  {other} lower  equal  median main  median {other}  | without slow-host pairs: pairs lower | all pairs (main/{other}, in order; * slow host)")
        for (guest, phase, kind), ps in sorted(rows.items(), key=lambda x: (x[0][0], [p for p, _, _ in PHASES].index(x[0][1]), x[0][2])):
            lower = sum(1 for _, vb, vh, _ in ps if vh < vb - 0.005)
            equal = sum(1 for _, vb, vh, _ in ps if abs(vh - vb) <= 0.005)
            mb = statistics.median(vb for _, vb, _, _ in ps)
            mh = statistics.median(vh for _, _, vh, _ in ps)
            quiet = [p for p in ps if not p[3]]
            ql = sum(1 for _, vb, vh, _ in quiet if vh < vb - 0.005)
            print(f"{guest:8} {phase:8} {kind:5} {len(ps):5}  {lower:9}  {equal:5}  {mb:11.2f}  {mh:11.2f}  | {len(quiet):5} {ql:5} | "
                  + ", ".join(f"{vb:.2f}/{vh:.2f}{'*' if s else ''}" for _, vb, vh, s in ps))
    print("\n# first run of each launcher on each guest (run-thread CPU: boot / modules / compute / fork)")
    for guest in ("signed", "default"):
        seen = set()
        for rnd, g, d in parsed:
            if g != guest:
                continue
            for name, r in d.items():
                if name in seen:
                    continue
                seen.add(name)
                print(f"{guest} {name} (R{rnd}): " + " / ".join(
                    f"{r.get(k, {}).get('run', float('nan')):.2f}" for _, k, _ in PHASES))
    print("# compute phase's run thread by launcher, in round order")
    for guest in ("signed", "default"):
        for name in (BASE,) + OTHERS:
            xs = [d[name].get("compute_cpu", {}).get("run") for _, g, d in parsed if g == guest and name in d and d[name].get("compute_cpu")]
            print(f"{guest} {name}: " + ", ".join(f"{x:.2f}" for x in xs))
    print("# per run: load, canary, deferrals; guest checks (BENCH-INFO lines)")
    for rnd, g, d in parsed:
        for name, r in d.items():
            print(f"R{rnd}-{g} {name}: exit {r.get('exit')}, load {r.get('load')}, canary alu {alu(r)}, deferrals {r.get('deferrals')}; "
                  + " | ".join(r.get("info", [])))


if __name__ == "__main__":
    sys.exit(main())
