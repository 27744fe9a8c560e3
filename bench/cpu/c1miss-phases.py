#!/usr/bin/env python3
"""C1 units' leaves before a missing access (Translator.c1MissLeaves) by phase of the CPU benchmark (round 68).

Runs one of bench/cpu's guests with -Dvmckpt.jit.c1MissLog=true (and the launcher's other options) to MARK, stamps
every line (threads.py's run_once), and splits CodeCache.missLeft's log lines by the guest's marks: per phase the
leaves in all (from the running total, logged every 4,096) and the units whose count reached 64, 256, 1024, 4096 ...
in it, with their instructions and (with -Dvmckpt.jit.profile=true) runs. Untimed: counts only.

  python3 bench/cpu/c1miss-phases.py --guest default --launcher x=./vmckpt,-Dvmckpt.jit.c1MissLeaves=true LOG
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

PHASES = [("boot", None), ("init-mstart", "BENCH-INIT"), ("modules", "BENCH-MARK modules-start"),
          ("after-modules", "BENCH-MARK modules-end"), ("compute", "BENCH-MARK compute-start"),
          ("after-compute", "BENCH-MARK compute-end"), ("fork", "BENCH-MARK fork-start"), ("end", "BENCH-MARK fork-end")]
LINE = re.compile(r"vmckpt-c1miss key (\w+) insns (\d+) leaves (\d+) all (\d+) at (\d+)(?: runs (\d+) retired (\d+))?")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--guest", default="default")
    ap.add_argument("--mark", default="BENCH-DONE")
    ap.add_argument("--launcher", required=True)
    ap.add_argument("--from-log", action="store_true", help="read LOG as written by an earlier run (round 72: mmu-phases.py's, with c1MissLog); do not run")
    args = ap.parse_args()
    name, path, opts = threads.parse_launcher(args.launcher)
    opts = ((opts or "") + " -Dvmckpt.jit.c1MissLog=true").strip()
    r = {} if args.from_log else threads.run_once(path, opts, args.guest, args.mark, "c1miss-" + str(os.getpid()), logpath=args.log)
    phase = "boot"
    total = {}  # phase -> (first all, last all)
    units = {}  # phase -> {key: (insns, leaves, runs, retired)}
    last_all = 0
    rebuilds = {}  # phase -> rebuilds asked
    for line in open(args.log):
        body = line.split("| ", 1)[1].rstrip("\n") if "| " in line else ""
        for p, m in PHASES:
            if m and body.strip().startswith(m):
                phase = p
                total.setdefault(phase, [last_all, last_all])
        if "vmckpt-c1miss rebuild" in body:
            rebuilds[phase] = rebuilds.get(phase, 0) + 1
        mm = LINE.search(body)
        if mm:
            key, insns, leaves, all_, at = mm.group(1), int(mm.group(2)), int(mm.group(3)), int(mm.group(4)), int(mm.group(5))
            last_all = all_
            total.setdefault(phase, [0, 0])[1] = all_
            if leaves >= 64:
                units.setdefault(phase, {})[key] = (insns, leaves, mm.group(6), mm.group(7))
    print(f"# {args.guest} to {args.mark}, {args.launcher}; exit {r.get('exit')}")
    prev_end = 0
    for p, _ in PHASES:
        if p not in total:
            continue
        a, b = total[p]
        print(f"{p:>14}: leaves (in all, to the nearest 4,096) {b - prev_end:>9,}; rebuilds asked {rebuilds.get(p, 0)}")
        prev_end = b
        for key, (insns, leaves, runs, retired) in sorted(units.get(p, {}).items(), key=lambda kv: -kv[1][1]):
            extra = f", runs {int(runs):,}, retired {int(retired):,}" if runs else ""
            print(f"{'':>16}unit {key} ({insns} insns): reached {leaves:,} leaves{extra}")
    for line in r.get("notes", []):
        pass
    with open(args.log) as f:
        for line in f:
            if "C1 units' leaves before a miss" in line or "device/code-write deferrals" in line:
                print("# " + line.split("| ", 1)[1].strip()[:400])


if __name__ == "__main__":
    main()
