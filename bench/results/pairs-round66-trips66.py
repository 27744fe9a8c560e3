#!/usr/bin/env python3
"""Round 66 trips66: pairs (the same round of a series) of base and le from the slot's threads-*.json files, per phase:
run-thread CPU of the boot (to /init), of the module phase, and the module phase's wall; which is lower."""
import glob, json, statistics, sys
rows = {}
for path in sorted(glob.glob("bench/results/threads-*-round66-trips66.json")):
    series = path.split("threads-")[1].split("-round66")[0]
    d = json.load(open(path))
    b, l = d.get("base", []), d.get("le", [])
    for key, f in (("boot run", lambda r: r["init_cpu"]["run"]), ("modules run", lambda r: r["modules_cpu"]["run"]),
                   ("modules wall", lambda r: r["mend_wall"] - r["mstart_wall"])):
        bv = [round(f(r), 3) for r in b if r.get("modules_cpu")]
        lv = [round(f(r), 3) for r in l if r.get("modules_cpu")]
        n = min(len(bv), len(lv))
        lower = sum(1 for i in range(n) if lv[i] < bv[i])
        equal = sum(1 for i in range(n) if lv[i] == bv[i])
        print(f"{series:3} {key:13} base {bv} (median {statistics.median(bv):.3f})  le {lv} (median {statistics.median(lv):.3f})"
              f"  le lower {lower} of {n}" + (f" ({equal} equal)" if equal else ""))
        rows.setdefault((series[0], key), [0, 0, 0])
        t = rows[(series[0], key)]
        t[0] += lower; t[1] += n; t[2] += equal
print()
for (g, key), (lo, n, eq) in sorted(rows.items()):
    print(f"{'signed' if g == 'S' else 'default'} {key}: le lower in {lo} of {n} pairs" + (f" ({eq} equal)" if eq else ""))
