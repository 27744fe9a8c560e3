#!/usr/bin/env python3
"""The run thread's ("java") perf samples by kind of code, from `perf report --comms java --sort sym --stdio -n` text
(round 86 traps86; untimed counts): HotSpot's interpreter, the fast loop, the hart loop, hot builds, C1 units, rest.
  perf-kinds.py REPORT.txt..."""
import re
import sys

for f in sys.argv[1:]:
    tot = 0
    k = {}
    for line in open(f):
        m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+\[(.)\]\s+(.*)", line)
        if not m:
            continue
        n, s = int(m.group(2)), m.group(4)
        tot += n
        key = ("HotSpot interpreter" if s.strip() == "Interpreter" else "InterpreterFastLoop.run" if "InterpreterFastLoop.run" in s
               else "Hart.run" if "Hart.run(" in s else "HotUnit" if "HotUnit/" in s else "UnitBg" if "UnitBg/" in s
               else "Interpreter.*" if "cpu.Interpreter." in s else "kernel" if m.group(3) == "k" else "other")
        k[key] = k.get(key, 0) + n
    print(f, "samples", tot, " | ".join(f"{a} {b} ({100 * b / tot:.1f}%)" for a, b in sorted(k.items(), key=lambda x: -x[1])))
