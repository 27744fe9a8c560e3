#!/usr/bin/env python3
"""Round 67 c1cost67: the slot's pairs from threads.py's JSON (one run of each launcher per file, bench/results/r67c/
R<round>-<series>.json, or the bundle of them, threads-round67-c1cost67.json, keyed by those names): run-thread CPU seconds per phase (boot to /init, module phase, compute phase, fork phase) and
the phases' wall, base (main) against c1ml (C1 units leave before a missing access, -Dvmckpt.jit.c1MissLeaves=true); also the C1 threads' CPU per phase ("c1"). A pair is the two runs of one file.

  python3 bench/results/pairs-round67-c1cost67.py bench/results/threads-round67-c1cost67.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

PHASES = [("boot", lambda r: r.get("init_cpu", {}).get("run"), lambda r: r.get("init_wall")),
          ("modules", lambda r: r.get("modules_cpu", {}).get("run"),
           lambda r: r["mend_wall"] - r["mstart_wall"] if "mend_wall" in r and "mstart_wall" in r else None),
          ("compute", lambda r: r.get("compute_cpu", {}).get("run"), lambda r: r.get("compute_wall")),
          ("fork", lambda r: r.get("fork_cpu", {}).get("run"), lambda r: r.get("fork_wall"))]


def main():
    rows = defaultdict(list)  # (guest, phase, kind) -> [(round, file, base, hot)]
    checks = []
    runs = []
    for path in sys.argv[1:]:
        d = json.load(open(path))
        if re.search(r"R\d+-\w+\.json$", path):
            runs.append((path, d))
        else:  # the bundle: {"R<round>-<series>": threads.py's JSON}
            runs += [(k + ".json", v) for k, v in d.items()]
    for path, d in runs:
        m = re.search(r"R(\d+)-(\w+)\.json$", path)
        rnd, series = int(m.group(1)), m.group(2)
        guest = "signed" if series.startswith("s") else "default"
        if not d.get("base") or not d.get("c1ml"):
            continue
        b, h = d["base"][0], d["c1ml"][0]
        for name, r in (("base", b), ("c1ml", h)):
            info = r.get("info", [])
            if info:
                checks.append(f"{path} {name}: exit {r['exit']}; " + " | ".join(info))
        for phase, cpu, wall in PHASES:
            c1 = lambda r, p=phase: r.get({"boot": "init_cpu", "modules": "modules_cpu", "compute": "compute_cpu", "fork": "fork_cpu"}[p], {}).get("C1")
            for kind, f in (("run", cpu), ("wall", wall), ("c1", c1)):
                vb, vh = f(b), f(h)
                if vb is not None and vh is not None:
                    rows[(guest, phase, kind)].append((rnd, series, vb, vh))
    print("guest    phase    kind  pairs  c1ml lower  equal  median base  median c1ml  first pair (base/c1ml)  all pairs (base/c1ml, in order)")
    for (guest, phase, kind), ps in sorted(rows.items(), key=lambda x: (x[0][0], [p for p, _, _ in PHASES].index(x[0][1]), x[0][2])):
        ps.sort()
        lower = sum(1 for _, _, vb, vh in ps if vh < vb)
        equal = sum(1 for _, _, vb, vh in ps if abs(vh - vb) < 0.005)
        mb = statistics.median(vb for _, _, vb, _ in ps)
        mh = statistics.median(vh for _, _, _, vh in ps)
        first = ps[0]
        print(f"{guest:8} {phase:8} {kind:5} {len(ps):5}  {lower:9}  {equal:5}  {mb:11.2f}  {mh:10.2f}  "
              f"R{first[0]}-{first[1]} {first[2]:.2f}/{first[3]:.2f}  "
              + ", ".join(f"{vb:.2f}/{vh:.2f}" for _, _, vb, vh in ps))
    print("# guest checks (BENCH-INFO lines of the full runs)")
    for c in checks:
        print(c)


if __name__ == "__main__":
    sys.exit(main())
