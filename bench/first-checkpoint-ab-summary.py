#!/usr/bin/env python3
"""Pairs bench/first-checkpoint-ab.py's lines (its stdout, a file) by round and workload: per pair, each variant's
first live checkpoint (pause, CPU, stall, gap before, GC) and its later ones, and in how many pairs variant A's first
stall and pause are lower than B's; medians per workload. A benchmark summary, not a test.

    bench/first-checkpoint-ab-summary.py OUTPUT A B
"""
import re
import statistics
import sys
from collections import defaultdict

LINE = re.compile(r"^(\d+)-(\w+)-(\w+) (first|later-\d+): pause ([\d.]+) ms \(CPU ([\d.]+)\), stall ([\d.-]+) ms, gap before "
                  r"(\d+) ms, GC in it (\d+) ms \(longest (\d+)\), total (\d+) ms, load ([\d.]+)")
BOOT = re.compile(r"^(\d+)-(\w+)-(\w+): boot to ready ([\d.]+) s")


def main():
    path, a, b = sys.argv[1:4]
    vms = defaultdict(lambda: {"first": None, "later": [], "boot": None})
    for line in open(path):
        m = LINE.match(line)
        if m:
            rnd, wl, name, which = m.group(1), m.group(2), m.group(3), m.group(4)
            c = dict(pause=float(m.group(5)), cpu=float(m.group(6)), stall=float(m.group(7)), pre=int(m.group(8)),
                     gc=int(m.group(9)), gcmax=int(m.group(10)), load=float(m.group(12)))
            if which == "first":
                vms[(rnd, wl, name)]["first"] = c
            else:
                vms[(rnd, wl, name)]["later"].append(c)
        m = BOOT.match(line)
        if m:
            vms[(m.group(1), m.group(2), m.group(3))]["boot"] = float(m.group(4))
    for wl in sorted({k[1] for k in vms}):
        rounds = sorted({k[0] for k in vms if k[1] == wl}, key=int)
        print(f"{wl}: first checkpoint per pair, {a} / {b} (pause ms, CPU ms, stall ms, heartbeat gap in the 3 s before, GC ms in it, load)")
        stall_lower = pause_lower = later_stall_lower = pairs = 0
        col = defaultdict(list)
        for r in rounds:
            va, vb = vms.get((r, wl, a)), vms.get((r, wl, b))
            if not va or not vb or not va["first"] or not vb["first"]:
                continue
            pairs += 1
            fa, fb = va["first"], vb["first"]
            stall_lower += fa["stall"] < fb["stall"]
            pause_lower += fa["pause"] < fb["pause"]
            la = statistics.median([c["stall"] for c in va["later"]]) if va["later"] else None
            lb = statistics.median([c["stall"] for c in vb["later"]]) if vb["later"] else None
            if la is not None and lb is not None:
                later_stall_lower += la <= lb
            for n, v in ((a, va), (b, vb)):
                col[n + "first_stall"].append(v["first"]["stall"])
                col[n + "first_pause"].append(v["first"]["pause"])
                col[n + "pre"].append(v["first"]["pre"])
                col[n + "later_stall"] += [c["stall"] for c in v["later"]]
                col[n + "later_pause"] += [c["pause"] for c in v["later"]]
                if v["boot"]:
                    col[n + "boot"].append(v["boot"])
            print(f"  round {r}: {a} {fa['pause']:.3f} / {fa['cpu']:.3f} / {fa['stall']:.1f} / {fa['pre']} / {fa['gc']} ({fa['load']:.2f})"
                  f"   {b} {fb['pause']:.3f} / {fb['cpu']:.3f} / {fb['stall']:.1f} / {fb['pre']} / {fb['gc']} ({fb['load']:.2f})"
                  f"   later stalls {a} {[round(c['stall'], 1) for c in va['later']]} {b} {[round(c['stall'], 1) for c in vb['later']]}")
        med = lambda k: statistics.median(col[k]) if col[k] else float("nan")
        print(f"  pairs {pairs}: {a}'s first stall lower in {stall_lower}, first pause lower in {pause_lower}, "
              f"median later stall no higher in {later_stall_lower}")
        for n in (a, b):
            print(f"  {n}: medians: first pause {med(n + 'first_pause'):.3f} ms, first stall {med(n + 'first_stall'):.1f} ms, "
                  f"later pause {med(n + 'later_pause'):.3f} ms, later stall {med(n + 'later_stall'):.1f} ms, "
                  f"gap before the first {med(n + 'pre'):.0f} ms, boot to ready {med(n + 'boot'):.1f} s; "
                  f"first stalls {sorted(round(x, 1) for x in col[n + 'first_stall'])}, first pauses over 1 ms "
                  f"{sum(x > 1 for x in col[n + 'first_pause'])}, first stalls over 20 ms {sum(x > 20 for x in col[n + 'first_stall'])}")


if __name__ == "__main__":
    main()
