#!/usr/bin/env python3
"""What the slow signed boots have in common, from the threads.py records already kept (round 67).

Reads every bench/results/threads*.json (threads.py's --json: {launcher: [run, ...]}) and keeps the signed guest's runs
that reached modules-end (a module phase over 0.9 s of run thread: the signed guest's). Within each file and launcher
(one jar, one series), a run is "slow" when its boot's run-thread CPU at BENCH-INIT is over 1.15x that launcher's
median in the file. Prints, for slow and for the other runs, the median of each figure over its own series' median
(the run thread, C1, C2, the translator thread, the collector, the start to the guest's first instruction, the module
phase's run thread and C1, C1 CPU per unit, units, the translated share), and how slow runs follow each other in run
order (rounds of a file interleave its launchers: round i of each launcher, in the file's order), and how often the
same run's module phase is slow too.

  python3 bench/cpu/slow-boots.py [FILES...]        (default: bench/results/threads*.json)
"""
import collections
import glob
import json
import os
import statistics
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SLOW = 1.15


def signed_runs(d):
    """{launcher: [run, ...]} of one file, only signed runs with both marks' CPU and --stats' first-instruction time."""
    out = {}
    for name, rs in d.items():
        if not isinstance(rs, list):
            continue
        keep = [r for r in rs if isinstance(r, dict) and r.get("init_cpu") and r.get("modules_cpu")
                and r["modules_cpu"].get("run", 0) > 0.9 and "first_insn_s" in r and r.get("mend_cpu")]
        if keep:
            out[name] = keep
    return out


def figures(r):
    i, m = r["init_cpu"], r["modules_cpu"]
    return {"boot run": i["run"], "boot C1": i["C1"], "boot C2": i["C2"], "boot translator": i["translator"],
            "boot gc": i["gc"], "boot run-wait": i["run-wait"], "first insn": r["first_insn_s"],
            "modules run": m["run"], "modules C1": m["C1"],
            "C1 per unit": r["mend_cpu"]["C1"] / max(1, r.get("units", 1)), "units": r.get("units", 0),
            "translated %": r.get("translated_pct", 0)}


def main():
    files = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, "bench/results/threads*.json")))
    ratios = {True: collections.defaultdict(list), False: collections.defaultdict(list)}
    follow = collections.Counter()
    modules_too = collections.Counter()  # (boot slow, module phase slow)
    nfiles = 0
    for f in files:
        try:
            d = json.load(open(f))
        except (OSError, ValueError):
            continue
        if not isinstance(d, dict):
            continue
        runs = signed_runs(d)
        if not runs:
            continue
        nfiles += 1
        slow_of = {}
        for name, rs in runs.items():
            meds = {k: statistics.median(figures(r)[k] for r in rs) for k in figures(rs[0])}
            for r in rs:
                fig = figures(r)
                slow = fig["boot run"] > SLOW * meds["boot run"]
                slow_of[id(r)] = slow
                modules_too[(slow, fig["modules run"] > SLOW * meds["modules run"])] += 1
                for k, v in fig.items():
                    if meds[k]:
                        ratios[slow][k].append(v / meds[k])
        order = []
        for i in range(max(len(rs) for rs in runs.values())):
            for name, rs in runs.items():
                if i < len(rs):
                    order.append(slow_of[id(rs[i])])
        for a, b in zip(order, order[1:]):
            follow[(a, b)] += 1
    n_slow, n_fast = len(ratios[True]["boot run"]), len(ratios[False]["boot run"])
    print(f"{nfiles} files, {n_slow + n_fast} signed runs: {n_slow} slow boots (run thread over {SLOW}x its series' median), {n_fast} others")
    print(f"{'figure':18s} {'slow':>7s} {'others':>7s}   (medians of each run's figure over its series' median)")
    for k in ratios[False]:
        print(f"{k:18s} {statistics.median(ratios[True][k]):7.3f} {statistics.median(ratios[False][k]):7.3f}")
    after_slow = follow[(True, True)] / max(1, follow[(True, True)] + follow[(True, False)])
    after_fast = follow[(False, True)] / max(1, follow[(False, True)] + follow[(False, False)])
    print(f"run order: a slow boot after a slow one {after_slow:.2f} ({follow[(True, True)]} of {follow[(True, True)] + follow[(True, False)]}), "
          f"after another {after_fast:.2f} ({follow[(False, True)]} of {follow[(False, True)] + follow[(False, False)]})")


    m_slow = modules_too[(True, True)] / max(1, modules_too[(True, True)] + modules_too[(True, False)])
    m_fast = modules_too[(False, True)] / max(1, modules_too[(False, True)] + modules_too[(False, False)])
    print(f"the same run's module phase over {SLOW}x its median: after a slow boot {m_slow:.2f}, after another {m_fast:.2f}")


if __name__ == "__main__":
    sys.exit(main())
