#!/usr/bin/env python3
"""Round 65 sha65: the slot's pairs. For each series (threads.py, compute-ab.py JSON) and each figure, the values per
launcher in run order (median), and the pairs "wl against base" (this branch's jar with access groups and word locals
on, against main with access groups on) and "wlonly against main" (word locals alone against main's defaults): a pair
is the same round of a series; lower = the first's figure below the second's. threads.py and compute-ab.py give
run-thread CPU seconds.

    python3 bench/results/pairs-round65-sha65.py bench/results/*-round65-sha65.json
"""
import json
import statistics
import sys

PAIRS = [("wl", "base"), ("wlonly", "main")]


def figures(path, d):
    """{figure: {launcher: [values in run order]}} of one series."""
    out = {}

    def put(fig, name, v):
        out.setdefault(fig, {}).setdefault(name, []).append(v)
    if "results" in d:  # run.py
        for guest, systems in d["results"].items():
            for system, rs in systems.items():
                name = system.rsplit("-", 1)[0]
                for r in rs:
                    for phase in ("boot", "modules", "compute", "fork"):
                        put(f"{guest} {phase} (wall)", name, r["host"].get(phase) if not r["problems"] else None)
    elif "compute-" in path:
        for name, rs in d.items():
            for r in rs:
                for fig, k in (("default compute (run)", "run"), ("default sha256 (run)", "sha_run"),
                               ("default gzip (run)", "gzip_run"), ("default boot (run)", "boot_run"),
                               ("default C2 in compute", "c2")):
                    put(fig, name, r.get(k))
                put("default promoted by compute-end", name, r.get("promoted"))
    else:  # threads.py
        guest = "default" if "-D" in path else "signed"
        for name, rs in d.items():
            for r in rs:
                put(f"{guest} boot (run)", name, r.get("init_cpu", {}).get("run"))
                put(f"{guest} modules (run)", name, r.get("modules_cpu", {}).get("run"))
    return out


def fmt(xs):
    v = [x for x in xs if x is not None]
    if not v:
        return "-"
    return ", ".join("-" if x is None else ("%.2f" % x if isinstance(x, float) else str(x)) for x in xs) \
        + " (med %s)" % ("%.2f" % statistics.median(v))


def lower(a, b):
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    return sum(1 for x, y in pairs if x < y), sum(1 for x, y in pairs if x == y), len(pairs)


def main():
    totals = {}
    for path in sys.argv[1:]:
        d = json.load(open(path))
        series = path.split("/")[-1].split("-round65")[0]
        print(f"## {series}")
        for fig, by in figures(path, d).items():
            print(f"  {fig}")
            for name, xs in by.items():
                print(f"    {name:6s} {fmt(xs)}")
            for a, b in PAIRS:
                if a in by and b in by and "promoted" not in fig:
                    lo, eq, n = lower(by[a], by[b])
                    print(f"    {a} lower than {b}: {lo} of {n}" + (f" ({eq} equal)" if eq else ""))
                    t = totals.setdefault((fig, a, b), [0, 0, 0])
                    t[0] += lo
                    t[1] += eq
                    t[2] += n
    print("## all series")
    for (fig, a, b), (lo, eq, n) in sorted(totals.items()):
        print(f"  {fig}: {a} lower than {b} in {lo} of {n}" + (f" ({eq} equal)" if eq else ""))


if __name__ == "__main__":
    main()
