#!/usr/bin/env python3
"""Round 78 (restore78): MarkTimes' samples (-Dvmckpt.stats.markSampleOut=FILE: "pc mode waiting" a line) by guest kernel
function, named by a /proc/kallsyms dump of the signed guest's kernel (booted by vmckpt with round 72's
bench/results/kallsyms-init-round72-signed72.sh appended as /init; 94,963 symbols, not kept: 4 MB; the idle loop's pc
ffffffff80a73f30 that round 77 read in QEMU falls in its arch_cpu_idle, so no KASLR). The sampler reads the hart's
pc and mode fields racily; the interpreter's fast loop writes pc back at its exits (traps, device accesses, batch
ends), so the shares lean towards such places. Not a test.

    sym-round78-restore78.py SAMPLES...
"""
import bisect, collections, sys
rows = []
for line in open("/tmp/restore78/ks/kallsyms.txt"):
    p = line.split()
    if len(p) >= 3 and p[1] in "tTwW": rows.append((int(p[0], 16), p[2]))
rows.sort(); addrs = [a for a, _ in rows]; names = [n for _, n in rows]
c = collections.Counter(); modes = collections.Counter(); n = 0
for f in sys.argv[1:]:
    for line in open(f):
        pc, mode, wait = line.split(); pc = int(pc, 16); n += 1
        if wait == "1": c["(waiting for an interrupt)"] += 1; continue
        if mode == "0": c["(user)"] += 1; continue
        i = bisect.bisect_right(addrs, pc) - 1
        c[names[i] if i >= 0 and pc - addrs[i] < 0x10000 else "(outside the kernel's text: modules)"] += 1
for k, v in c.most_common(40): print(f"{v:6d} {100*v/n:5.1f}% {k}")
print("samples", n)
