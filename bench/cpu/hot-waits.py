#!/usr/bin/env python3
"""Why hot-tier builds wait: reads bench/cpu/hot-modes.py's run logs (DIR/NAME-ROUND.log, written with
-Dvmckpt.jit.hotLog=true -XX:+PrintCompilation) and prints, for every build made in the compute phase, when it was built,
when HotSpot first had tier-3 code for its class, when (and after how many looks, at which tier) the look installed it,
and when C2's code came; then per part of the run (boot, sha256, gzip) how many builds were installed, waited with
compiled code (tier 3 or C2) to the phase's end, or waited without code. Times are seconds after `compute-start`.
Not a test: figures for docs/BENCHMARKS.md (round 37).

  python3 bench/cpu/hot-waits.py /tmp/hot-modes/main-1.log
"""
import collections
import re
import sys

LINE = re.compile(r'\s*([\d.]+) (\w+)[^|]*\| (.*)')  # "  5.754 err run=1.32 c2=0.35 | text"
BUILT = re.compile(r'vmckpt-hot built key (\w+) .*build (\S+HotUnit/0x\w+)')
INSTALLED = re.compile(r'vmckpt-hot installed key (\w+) .*tier (\d+), (\d+) looks')
COMPILE = re.compile(r'\s(\d)\s+\S*HotUnit/(0x\w+)::run (\(|@)')  # PrintCompilation: "... 3   pkg.HotUnit/0x..::run (N bytes)"


def read(path):
    marks, builds, compiles = {}, {}, collections.defaultdict(list)
    for line in open(path, errors="replace"):
        m = LINE.match(line)
        if not m:
            continue
        t, text = float(m.group(1)), m.group(3)
        for k in ("compute-start", "sha256-end", "compute-end"):
            if "BENCH-MARK " + k in text:
                marks[k] = t
        b = BUILT.search(text)
        if b:
            builds[b.group(1)] = {"cls": b.group(2).split("/")[-1], "built": t}
        i = INSTALLED.search(text)
        if i and i.group(1) in builds:
            builds[i.group(1)]["installed"] = (t, int(i.group(2)), int(i.group(3)))
        c = COMPILE.search(text)
        if c and "made not entrant" not in text:
            compiles[c.group(2)].append((t, int(c.group(1)), c.group(3) == "@"))
    return marks, builds, compiles


def main():
    for path in sys.argv[1:]:
        marks, builds, compiles = read(path)
        cs, se, ce = marks.get("compute-start", 0.0), marks.get("sha256-end", 0.0), marks.get("compute-end", 1e9)
        print(path, {k: round(v, 2) for k, v in marks.items()})

        def part(t):
            return "boot" if t < cs else "sha256" if t < se else "gzip" if t < ce else "after"

        counts = collections.Counter()
        for key, b in builds.items():
            cl = compiles.get(b["cls"], [])
            tier3 = min((t for t, tier, osr in cl if tier == 3), default=None)
            c2 = min((t for t, tier, osr in cl if tier == 4 and not osr), default=None)
            inst = b.get("installed")
            if inst and inst[0] < ce:
                state = "installed"
            elif (tier3 is not None and tier3 < ce) or (c2 is not None and c2 < ce):
                state = "waits with compiled code"
            else:
                state = "waits without code"
            counts[(part(b["built"]), state)] += 1
            if part(b["built"]) != "boot":
                fmt = lambda t: "-" if t is None else "%.2f" % (t - cs)
                print(f"  {key:>9} built {b['built'] - cs:6.2f} ({part(b['built'])}) tier 3 {fmt(tier3)} installed "
                      + ("-" if not inst else "%.2f at tier %d after %d looks" % (inst[0] - cs, inst[1], inst[2]))
                      + f" C2 {fmt(c2)}")
        for (p, state), n in sorted(counts.items()):
            print(f"  {p:>6}: {n:3d} {state}")


if __name__ == "__main__":
    sys.exit(main())
