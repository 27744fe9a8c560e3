#!/usr/bin/env python3
"""The software TLB's misses by phase of the CPU benchmark (round 69): runs one of bench/cpu's guests with
-Dvmckpt.mmu.missCounts=true (MmuCounts; plus the launcher's own options), stamps every line (threads.py's run_once) and
splits MmuCounts' cumulative lines (one every 100 ms on stderr) by the guest's marks: per phase, the counts of the
last line before the phase's end mark less those of the last line before its start. Untimed: counts only (the walks'
nanoseconds are System.nanoTime around each walk, rough, and worthless under load).

  python3 bench/cpu/mmu-phases.py --guest default --launcher x=./vmckpt LOG
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

PHASES = [("boot", None), ("init-mstart", "BENCH-INIT"), ("modules", "BENCH-MARK modules-start"),
          ("after-modules", "BENCH-MARK modules-end"), ("compute", "BENCH-MARK compute-start"),
          ("after-compute", "BENCH-MARK compute-end"), ("fork", "BENCH-MARK fork-start"), ("end", "BENCH-MARK fork-end")]
KFIELDS = ["misses", "leaf2M", "leaf1G", "slotEmpty", "slotOther", "slotSameVpn", "cold", "again", "win16", "win64"]


def parse(body):
    """A vmckpt-mmu line as a dict of name -> count."""
    t = body.split()
    d = {}
    i = 1
    # A line from before round 84 has an 11th count per kind, "filled" (always 0 since round 83's retirements): skipped.
    per_kind = t.index("store") - 2
    assert per_kind in (len(KFIELDS), len(KFIELDS) + 1), per_kind
    for kind in ("load", "store", "fetch"):
        assert t[i] == kind
        for k, f in enumerate(KFIELDS):
            d[f"{kind}.{f}"] = int(t[i + 1 + k])
        i += 1 + per_kind
    for group, names in (("stores", ["firstWrite", "dirtyBefore", "dirtyWin16"]), ("walks", ["walks", "pteReads", "ns"]),
                         ("flushes", ["full", "page", "pageAll", "write", "replaced"]),
                         ("pageflush", [f"{k}.{w}" for k in ("load", "store", "fetch") for w in ("same", "other", "empty")]),
                         ("overflows", ["sets"]),
                         ("asids", ["satpKept", "fences", "pageFences", "rollovers", "kernelTagged"]),
                         ("secondway", ["load", "store", "fetch"]),
                         ("conflict", ["slots", "drops", "dropsSecond", "fullSecond"])):
        if group in ("asids", "secondway", "conflict") and i >= len(t):
            break  # a line from before round 70 (asids), 71 (secondway) or 79 (conflict)
        assert t[i] == group, (t[i], group)
        for k, n in enumerate(names):
            d[f"{group}.{n}"] = int(t[i + 1 + k])
        i += 1 + len(names)
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("--guest", default="default")
    ap.add_argument("--mark", default="BENCH-DONE")
    ap.add_argument("--launcher", required=True)
    ap.add_argument("--from-log", action="store_true", help="read LOG as written by an earlier run; do not run")
    args = ap.parse_args()
    name, path, opts = threads.parse_launcher(args.launcher)
    if not args.from_log:
        opts = ((opts or "") + " -Dvmckpt.mmu.missCounts=true").strip()
        r = threads.run_once(path, opts, args.guest, args.mark, "mmu-" + str(os.getpid()), logpath=args.log)
        print(f"# {args.guest} to {args.mark}, {args.launcher}; exit {r.get('exit')}")
    last = None
    at_start = {}  # phase -> counts at its start
    order = []
    phase = "boot"
    at_start[phase] = None
    order.append(phase)
    for line in open(args.log):
        body = line.split("| ", 1)[1].rstrip("\n") if "| " in line else ""
        for p, m in PHASES:
            if m and body.strip().startswith(m):
                phase = p
                at_start[phase] = last
                order.append(phase)
        if body.startswith("vmckpt-mmu "):
            last = parse(body)
    ends = {}
    for k, p in enumerate(order):
        ends[p] = at_start[order[k + 1]] if k + 1 < len(order) else last
    keys = list(last.keys()) if last else []
    print(f"{'':>22}" + "".join(f"{p:>14}" for p in order))
    for key in keys:
        row = []
        for p in order:
            a, b = at_start[p], ends[p]
            v = (b or {}).get(key, 0) - (a or {}).get(key, 0)
            row.append(v)
        print(f"{key:>22}" + "".join(f"{v:>14,}" for v in row))


if __name__ == "__main__":
    main()
