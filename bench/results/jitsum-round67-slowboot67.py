#!/usr/bin/env python3
"""From a run's stdout with -XX:+PrintCompilation: per key method, its level-4 (C2) compiles (ms of JVM uptime), OSR, made-not-entrant at level 4."""
import sys, re
KEYS = ["InterpreterFastLoop::run", "Hart::run", "Interpreter::interpret ", "Interpreter::interpretEach", "Interpreter::endsBlock", "CodeCache::lookup", "CodeCache::nextEntry", "Mmu::walk", "Mmu::loadSlow", "Mmu::storeSlow", "Interpreter::loadMiss", "Interpreter::storeMiss"]
for p in sys.argv[1:]:
    ev = {k: [] for k in KEYS}
    nent4 = 0
    for line in open(p, errors="replace"):
        m = re.match(r"\s*(\d+)\s+(\d+)\s+([%sbn! ]{0,6})\s*(\d)\s+(\S+)", line)
        if not m: continue
        t, cid, flags, lvl, meth = int(m.group(1)), m.group(2), m.group(3), int(m.group(4)), m.group(5)
        ne = "made not entrant" in line
        if lvl == 4 and ne and "org.vmckpt" in meth and "Unit" not in meth: nent4 += 1
        for k in KEYS:
            if meth.endswith(k.strip()) and (lvl == 4 or ne and lvl == 4):
                ev[k].append(f"{'%' if '%' in flags else ''}{t}{'X' if ne else ''}")
    print(p, "L4 not-entrant(vmckpt, non-unit):", nent4, " | ".join(f"{k.split('::')[0][:6]}.{k.split('::')[1].strip()}:{','.join(v)}" for k, v in ev.items() if v))
