#!/usr/bin/env python3
"""Round 73: guest instructions and Zba/Zbb/Zbs instructions per phase of the CPU benchmark, from bench/cpu/jit-phases.py's
stamped logs of runs with -Dvmckpt.jit.counts=true and -Dvmckpt.isa.bitmanipCounts=true (JitCounts' zb= and zb.<op>=
fields; zbInterp= since the fast loop runs them). Counts only.

  python3 bench/cpu/zb-phases.py DIR/*.log
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
jp = __import__("jit-phases")

for log in sys.argv[1:]:
    counts, _ = jp.split(log)
    print(f"== {os.path.basename(os.path.dirname(log))}/{os.path.basename(log)}")
    for phase, _m in jp.PHASES:
        c = counts.get(phase)
        if not c:
            continue
        ops = sorted(((k[3:], v) for k, v in c.items() if k.startswith("zb.") and v), key=lambda kv: -kv[1])
        zb = c.get("zb", 0)
        top = ", ".join(f"{k} {v:,}" for k, v in ops[:8])
        print(f"  {phase:>13}: insns {c.get('instret', 0) / 1e6:8.1f} M, Zb* {zb:>11,} ({100.0 * zb / max(1, c.get('instret', 1)):.2f}%)"
              + (f", interpreted {c['zbInterp']:,}" if 'zbInterp' in c else "") + (f": {top}" if top else ""))
