#!/usr/bin/env python3
"""Round 64 emit64: the slot's pairs. For each series (threads.py or compute-ab.py JSON) and each figure, the values per
launcher in run order (median), and the pairs "cmp against base", "lv against base", "lv against cmp": a pair is the same
round of the series; lower = the first's figure below the second's. base = main, cmp = -Dvmckpt.jit.compactEmit=true,
lv = cmp with -Dvmckpt.jit.compactMissLeaves=true. Run-thread CPU and wall in seconds; units built by the run's end.

    python3 bench/results/pairs-round64-emit64.py bench/results/{threads,compute}-*-round64-emit64.json
"""
import json
import statistics
import sys

PAIRS = [("cmp", "base"), ("lv", "base"), ("lv", "cmp")]


def figures(path, d):
    out = {}

    def put(fig, name, v):
        out.setdefault(fig, {}).setdefault(name, []).append(v)
    if "compute" in path:
        for name, rs in d.items():
            for r in rs:
                for k, fig in (("boot_run", "default boot (run CPU)"), ("run", "compute (run CPU)"), ("sha_run", "sha256 (run CPU)"),
                               ("gzip_run", "gzip (run CPU)"), ("c1", "compute (C1 CPU)")):
                    put(fig, name, r.get(k))
        return out
    guest = "default" if "-D" in path else "signed"
    for name, rs in d.items():
        for r in rs:
            ic, ms, me = r.get("init_cpu", {}), r.get("mstart_cpu"), r.get("mend_cpu")
            put(f"{guest} boot (run CPU)", name, ic.get("run"))
            put(f"{guest} boot (wall)", name, r.get("init_wall"))
            put(f"{guest} boot (C1 CPU)", name, ic.get("C1"))
            put(f"{guest} modules (run CPU)", name, me["run"] - ms["run"] if ms and me else None)
            put(f"{guest} modules (wall)", name, r["mend_wall"] - r["mstart_wall"] if "mend_wall" in r and "mstart_wall" in r else None)
            put(f"{guest} units built (run's end)", name, r.get("units"))
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
        print(f"## {path}")
        for fig, by in figures(path, d).items():
            print(f"  {fig}")
            for name, xs in by.items():
                print(f"    {name:>5}: {fmt(xs)}")
            for a, b in PAIRS:
                if a in by and b in by:
                    lo, eq, n = lower(by[a], by[b])
                    t = totals.setdefault((fig, a, b), [0, 0, 0])
                    t[0] += lo; t[1] += eq; t[2] += n
                    print(f"    {a} lower than {b}: {lo} of {n} ({eq} equal)")
    print("## all series")
    for (fig, a, b), (lo, eq, n) in totals.items():
        print(f"  {fig}: {a} lower than {b} in {lo} of {n} ({eq} equal)")


if __name__ == "__main__":
    main()
