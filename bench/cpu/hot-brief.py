#!/usr/bin/env python3
"""The hot tier's decisions in a hot log (-Dvmckpt.jit.hotLog=true) with their counts, one line per build decided:
instructions per run on average (the run-length rule's measure), the share of runs under 16 instructions (the brief-run
rule's, round 60), the unit's share of the hart's instructions while it counted (the share rule's), its size; then the
later events of each build (installed for its window, back to the C1 unit, installed, kept, not built for brief runs)
and the guest's marks, in log order.

    python3 bench/cpu/hot-brief.py LOG...
"""
import re
import sys

DECIDED = re.compile(r'decided \((\d+) runs, (\d+) brief, (\d+) hart insns since its count began\): key (\w+) at '
                     r'([\d.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode')
HOT_AFTER = 20e6  # the hot tier's total (CodeCache.HOT_AFTER's default)


def main():
    for path in sys.argv[1:]:
        print("==", path)
        for line in open(path, errors="replace"):
            m = DECIDED.search(line)
            if m:
                runs, brief, hart, key, at, insns, bc = m.groups()
                print("key %-8s at %8s M  per run %7.1f  brief %5.1f%%  share 1/%-6.1f  %3s insns %5s bytecode"
                      % (key, at, HOT_AFTER / int(runs), 100 * int(brief) / int(runs), int(hart) / HOT_AFTER, insns, bc))
            elif "vmckpt-hot" in line and "built key" not in line:
                tier = re.search(r"tier \d", line)
                print("   ", line.split(": unit")[0].split("vmckpt-hot ", 1)[1].strip(), tier.group(0) if tier else "")
            elif "BENCH-MARK" in line or "run thread CPU" in line:
                print("  |", line.rstrip()[:160])


if __name__ == "__main__":
    main()
