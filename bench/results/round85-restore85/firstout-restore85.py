#!/usr/bin/env python3
"""Round 85 (restore85): each lazy restore's own account (restore --stats' "lazy restore:" lines in the slot's kept
logs, OUT/logs-TAG-wN/restore-memdirty-{new,base}-REP-lazy.err), one line per restore: which side (run N odd: "new" is
NEW; even: "base" is NEW), the prefetch's start to the guest's first instruction, the guest's first output after its
start with its thread's CPU and wait for a core, faults and waits for a loader thread before it, frames the run thread
read while waiting (lazyHelp), and for the whole load the guest's waits and their time. Medians by side at the end.

    python3 firstout-restore85.py OUT [TAG]
"""
import glob
import os
import re
import statistics
import sys

out, tag = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else "slot")
rows = {"NEW": [], "BASE": []}
for d in sorted(glob.glob(os.path.join(out, f"logs-{tag}-w*")), key=lambda p: int(re.search(r"w(\d+)$", p).group(1))):
    run = int(re.search(r"w(\d+)$", d).group(1))
    for f in sorted(glob.glob(os.path.join(d, "restore-*-lazy.err"))):
        m = re.search(r"restore-\w+-(new|base)-(\d+)-lazy\.err$", f)
        role, rep = m.group(1), int(m.group(2))
        side = "NEW" if (role == "new") == (run % 2 == 1) else "BASE"
        text = open(f, errors="replace").read()
        fo = re.search(r"the guest's first output ([\d.]+) ms after it started: run thread CPU ([\d.-]+) ms, waiting for a core ([\d.-]+) ms;"
                       r" ([\d,]+) faults \(.*?; ([\d,]+) waited for a loader thread\) ([\d.]+) ms.*?([\d,]+) pages arrived \(([\d,]+) before it started\);"
                       r" collector pauses (\d+), ([\d.]+) ms", text)
        ahead = re.search(r"in at its first instruction \(([\d.]+) ms after their thread started, the prefetch ([\d.]+) ms after it\)", text)
        helped = re.search(r"frames read while waiting for a loader thread: ([\d,]+)", text)
        every = re.search(r"every page in (\d+) ms after the guest started: .*?the guest waited for ([\d,]+) of them, (\d+) ms in all, (\d+) ms of its"
                          r" thread's CPU \(([\d,]+) for a loader thread already reading the frame, (\d+) ms", text)
        helped_all = re.search(r"; frames read while waiting for a loader thread ([\d,]+)", text)
        n = lambda s: int(s.replace(",", ""))
        r = {"run": run, "rep": rep, "side": side}
        if ahead:
            r["to_first_instr"] = float(ahead.group(1)) - float(ahead.group(2))
        if fo:
            r.update(first_out=float(fo.group(1)), cpu=float(fo.group(2)), wait_core=float(fo.group(3)), faults=n(fo.group(4)),
                     loader_waits=n(fo.group(5)), fault_ms=float(fo.group(6)), arrived_at_start=n(fo.group(8)), gc=int(fo.group(9)), gc_ms=float(fo.group(10)))
        r["helped_first"] = n(helped.group(1)) if helped else 0
        if every:
            r.update(all_in=int(every.group(1)), waited=n(every.group(2)), waited_ms=int(every.group(3)), loader_waits_all=n(every.group(5)),
                     loader_wait_ms_all=int(every.group(6)))
        r["helped_all"] = n(helped_all.group(1)) if helped_all else 0
        rows[side].append(r)
        print(" ".join(f"{k}={v}" for k, v in r.items()))
keys = ["to_first_instr", "first_out", "cpu", "wait_core", "faults", "loader_waits", "fault_ms", "arrived_at_start", "gc_ms", "helped_first",
        "all_in", "waited", "waited_ms", "loader_waits_all", "loader_wait_ms_all", "helped_all"]
for side, rs in rows.items():
    meds = []
    for k in keys:
        xs = [r[k] for r in rs if k in r]
        if xs:
            meds.append(f"{k} {statistics.median(xs):g} [{min(xs):g}-{max(xs):g}]")
    print(f"{side} ({len(rs)} restores) medians [range]: " + "; ".join(meds))
