#!/usr/bin/env python3
"""Round 65 combo65: the slot's pairs. For each series (threads.py, compute-ab.py JSON) and each figure, the values per
launcher in run order (median), and the pairs "all against base" (this branch's jar with accessGroups, compactEmit and compactMissLeaves on, against
main): a pair is the same round of the series; lower = the first's figure below the second's. threads.py and compute-ab.py give run-thread CPU seconds.

    python3 bench/results/pairs-round65-combo65.py bench/results/*-round65-combo65.json
"""
import json
import statistics
import sys

PAIRS = [("all", "base"), ("gc", "base"), ("all", "gc")]


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
        guest = "signed" if "-CS" in path else "default"
        for name, rs in d.items():
            for r in rs:
                for fig, k in (("compute (run)", "run"), ("sha256 (run)", "sha_run"),
                               ("gzip (run)", "gzip_run"), ("boot (run)", "boot_run"),
                               ("C2 in compute", "c2")):
                    put(f"{guest} {fig}", name, r.get(k))
                put(f"{guest} promoted by compute-end", name, r.get("promoted"))
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


def run_txt(path):
    """run.py's console output (a series cut before run.py wrote cpu.json): {"results": {guest: {system: [r]}}}."""
    import re
    res = {}
    for line in open(path):
        m = re.match(r"run (\d+) (\w+) +(\S+) +boot ([\d.]+) s, modules ([\d.]+) s, compute ([\d.]+) s .*fork ([\d.]+) s", line)
        if not m or line in seen_lines:
            continue
        seen_lines.add(line)
        host = dict(zip(("boot", "modules", "compute", "fork"), map(float, m.group(4, 5, 6, 7))))
        res.setdefault(m.group(2), {}).setdefault(m.group(3), []).append({"host": host, "problems": []})
    return {"results": res}


seen_lines = set()


def main():
    totals = {}
    for path in sys.argv[1:]:
        d = run_txt(path) if path.endswith(".txt") else json.load(open(path))
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
