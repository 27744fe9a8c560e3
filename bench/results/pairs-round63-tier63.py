#!/usr/bin/env python3
"""Round 63 tier63: pairs, medians, first runs and no-code counts of the slot's series (the --json files).
  python3 bench/results/pairs-round63-tier63.py bench/results/{compute-ab,threads-*}-N-round63-tier63.json"""
import json
import statistics
import sys

PAIRS = [("rq", "base"), ("rqml", "base"), ("rqml", "rq")]


def measures(name):
    if "compute-ab" in name:
        return {"boot": lambda r: r.get("boot_run"), "compute": lambda r: r.get("run"),
                "sha256": lambda r: r.get("sha_run"), "gzip": lambda r: r.get("gzip_run")}
    return {"boot": lambda r: r.get("init_cpu", {}).get("run"), "modules": lambda r: r.get("modules_cpu", {}).get("run")}


total = {}
for path in sys.argv[1:]:
    res = json.load(open(path))
    ms = measures(path)
    print(f"## {path}")
    for n, rs in res.items():
        cols = ", ".join(f"{k} {statistics.median([v for v in map(f, rs) if v is not None]):.2f}" for k, f in ms.items()
                         if any(f(r) is not None for r in rs))
        first = ", ".join(f"{k} {f(rs[0]):.2f}" for k, f in ms.items() if f(rs[0]) is not None)
        print(f"  {n:>5}: medians {cols} | first run {first} | no code {[r.get('nocode') for r in rs]} | load {[round(r['load'], 2) for r in rs]}")
    for a, b in PAIRS:
        if a not in res or b not in res:
            continue
        out = []
        for k, f in ms.items():
            won = n = tie = 0
            for ra, rb in zip(res[a], res[b]):
                va, vb = f(ra), f(rb)
                if va is None or vb is None:
                    continue
                n += 1
                won += va < vb
                tie += abs(va - vb) < 0.005  # (the tools' figures: 10 ms ticks, printed to 0.01 s)
            kind = "compute-ab (default)" if "compute-ab" in path else ("threads signed" if "signed" in path else "threads default")
            t = total.setdefault((a, b, kind, k), [0, 0, 0])
            t[0] += won
            t[1] += n
            t[2] += tie
            out.append(f"{k} {won} of {n}" + (f" ({tie} equal)" if tie else ""))
        print(f"  {a} lower than {b}: " + ", ".join(out))
print("## all series")
for (a, b, kind, k), (w, n, tie) in sorted(total.items()):
    print(f"  {a} lower than {b}, {kind} {k}: {w} of {n}" + (f" ({tie} equal)" if tie else ""))
