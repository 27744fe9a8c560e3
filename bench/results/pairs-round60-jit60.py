#!/usr/bin/env python3
"""Round 60 jit60: the slot's pairs from threads.py's and compute-ab.py's JSON (run-thread CPU seconds), each variant
against base round by round (a pair is the same round of the series; lower = the variant's figure below base's).

    python3 bench/results/pairs-round60-jit60.py bench/results/{threads,compute-ab}-*round60-jit60*.json
"""
import json
import statistics
import sys


def fmt(xs):
    return ", ".join("%.2f" % x for x in xs) + " (med %.2f)" % statistics.median(xs) if xs else "-"


def lower(xs, base):
    return "%d/%d" % (sum(1 for a, b in zip(xs, base) if a < b), min(len(xs), len(base)))


def loads(rs):
    ls = [r.get("load", 0) for r in rs]
    return "%.2f-%.2f" % (min(ls), max(ls)) if ls else "-"


def threads(path, d):
    def modules(r):
        return r.get("modules_cpu", {}).get("run")

    def boot(r):
        return r.get("init_cpu", {}).get("run")
    base = d.get("base", [])
    for name, rs in d.items():
        m = [modules(r) for r in rs if modules(r) is not None]
        b = [boot(r) for r in rs if boot(r) is not None]
        line = "%s %s: modules %s; boot %s; load %s" % (path, name, fmt(m), fmt(b), loads(rs))
        if name != "base":
            line += " | lower: modules %s, boot %s" % (lower(m, [modules(r) for r in base]), lower(b, [boot(r) for r in base]))
        print(line)


def compute(path, d):
    keys = [("compute", "run"), ("sha", "sha_run"), ("gzip", "gzip_run"), ("boot", "boot_run"), ("C2", "c2")]
    base = d.get("base", [])
    for name, rs in d.items():
        parts = []
        for label, k in keys:
            parts.append("%s %s" % (label, ", ".join("%.2f" % r[k] for r in rs if k in r)))
        line = "%s %s: %s | promoted %s load %s" % (path, name, " | ".join(parts), [r.get("promoted") for r in rs], loads(rs))
        if name != "base":
            line += " | lower: " + ", ".join("%s %s" % (label, lower([r[k] for r in rs if k in r], [r[k] for r in base if k in r]))
                                             for label, k in keys[:4])
        print(line)


def main():
    for path in sys.argv[1:]:
        d = json.load(open(path))
        (compute if "compute-ab" in path else threads)(path.split("/")[-1], d)


if __name__ == "__main__":
    main()
