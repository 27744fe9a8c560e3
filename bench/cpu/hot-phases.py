#!/usr/bin/env python3
"""The hot tier's events by phase of the CPU benchmark (round 69): runs one of bench/cpu's guests with
-Dvmckpt.jit.hotLog=true (and the launcher's other options) to MARK, stamps every line (threads.py's run_once), and
counts CodeCache's hot-log lines between the guest's marks: builds decided, built, installed. (Until round 84 also the
builds given miss exits or calls by Translator.hotMissLeaves and its rebuilds, CodeCache.missLook: retired with the
switch.) Untimed: counts only. Prints --stats' translator summary lines.

  python3 bench/cpu/hot-phases.py --guest signed --launcher "x=./vmckpt" LOG
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

PHASES = [("boot", None), ("init-mstart", "BENCH-INIT"), ("modules", "BENCH-MARK modules-start"),
          ("after-modules", "BENCH-MARK modules-end"), ("compute", "BENCH-MARK compute-start"),
          ("after-compute", "BENCH-MARK compute-end"), ("fork", "BENCH-MARK fork-start"), ("end", "BENCH-MARK fork-end")]
KINDS = [("decided", "vmckpt-hot decided"), ("built", "vmckpt-hot built"), ("installed", "vmckpt-hot installed")]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--guest", default="default")
    ap.add_argument("--mark", default="BENCH-DONE")
    ap.add_argument("--launcher", required=True)
    args = ap.parse_args()
    name, path, opts = threads.parse_launcher(args.launcher)
    opts = ((opts or "") + " -Dvmckpt.jit.hotLog=true").strip()
    r = threads.run_once(path, opts, args.guest, args.mark, "hotph-" + str(os.getpid()), logpath=args.log)
    phase = "boot"
    counts = {}
    for line in open(args.log):
        body = line.split("| ", 1)[1].rstrip("\n") if "| " in line else ""
        for p, m in PHASES:
            if m and body.strip().startswith(m):
                phase = p
        for k, s in KINDS:
            if s in body:
                c = counts.setdefault(phase, {})
                c[k] = c.get(k, 0) + 1
    print(f"# {args.guest} to {args.mark}, {args.launcher}; exit {r.get('exit')}")
    for p, _ in PHASES:
        if p in counts:
            print(f"{p:>14}: " + ", ".join(f"{k} {counts[p].get(k, 0)}" for k, _ in KINDS))
    with open(args.log) as f:
        for line in f:
            if "hot-tier builds" in line or "C1 units' leaves before a miss" in line or "translator: " in line and "hot tier" in line:
                print("# " + line.split("| ", 1)[1].strip()[:600])
    for i in r.get("info", []):
        print("# " + i)


if __name__ == "__main__":
    main()
