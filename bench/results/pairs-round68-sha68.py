#!/usr/bin/env python3
"""Round 68 sha68: the slot's pairs (bench/results/slot-round68-sha68.sh's JSON, one run of each launcher per file,
bench/results/r68s/P<pair>-<c|s>.json; round 67's pairs script with the names changed). c: compute-ab.py on the
default guest (run-thread CPU of the compute phase, its sha256 and gzip parts, the boot); s: threads.py on the signed
guest to BENCH-DONE (run-thread CPU of boot, module, compute and fork phases). base = main, cu =
-Dvmckpt.jit.crossOnce=true -Dvmckpt.jit.unrollHot=true. A pair is the two runs of one file; * marks the pairs cu ran
first in, listed in run order.

  python3 bench/results/pairs-round68-sha68.py bench/results/r68s/P*.json
"""
import json
import re
import statistics
import sys
from collections import defaultdict

COMPUTE = [("boot", "boot_run"), ("compute", "run"), ("sha256", "sha_run"), ("gzip", "gzip_run")]
SIGNED = [("boot", lambda r: r.get("init_cpu", {}).get("run")), ("modules", lambda r: r.get("modules_cpu", {}).get("run")),
          ("compute", lambda r: r.get("compute_cpu", {}).get("run")), ("fork", lambda r: r.get("fork_cpu", {}).get("run"))]


def main():
    rows = defaultdict(list)
    checks = []
    for path in sorted(sys.argv[1:], key=lambda p: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", p)]):
        d = json.load(open(path))
        m = re.search(r"P(\d+)-(\w+)\.json$", path)
        rnd, series = int(m.group(1)), m.group(2)
        if not d.get("base") or not d.get("cu"):
            continue
        b, k = d["base"][0], d["cu"][0]
        first = list(d.keys())[0]
        if series.startswith("c"):
            for name, r in (("base", b), ("cu", k)):
                checks.append(f"{path} {name}: first {first}, load {r.get('load')}")
            for phase, key in COMPUTE:
                if key in b and key in k:
                    rows[("default", phase)].append((rnd, series, b[key], k[key], first, b.get("load")))
        else:
            for name, r in (("base", b), ("cu", k)):
                if r.get("info"):
                    checks.append(f"{path} {name}: exit {r['exit']}; canary {r.get('canary')}; " + " | ".join(r["info"]))
            for phase, f in SIGNED:
                vb, vk = f(b), f(k)
                if vb is not None and vk is not None:
                    rows[("signed", phase)].append((rnd, series, vb, vk, first, None))
    print("guest    phase    pairs  cu lower  equal  median base  median cu  pairs (base/cu, in run order; * cu ran first)")
    for (guest, phase), ps in rows.items():
        lower = sum(1 for p in ps if p[3] < p[2] - 0.005)
        equal = sum(1 for p in ps if abs(p[3] - p[2]) <= 0.005)
        mb = statistics.median(p[2] for p in ps)
        mk = statistics.median(p[3] for p in ps)
        print(f"{guest:8} {phase:8} {len(ps):5}  {lower:11}  {equal:5}  {mb:11.2f}  {mk:12.2f}  "
              + ", ".join(f"R{p[0]}{p[1]}{'*' if p[4] == 'cu' else ''} {p[2]:.2f}/{p[3]:.2f}" for p in ps))
    print("# guest checks (BENCH-INFO lines of the signed runs)")
    for c in checks:
        print(c)


if __name__ == "__main__":
    main()
