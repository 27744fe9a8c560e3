#!/usr/bin/env python3
"""C2's code of one compiled method from a -XX:CompileCommand=print log, disassembled, and its backward jumps (round 68).

  python3 bench/cpu/c2-loop.py LOG [N] [--osr] [--dump]

Takes the N-th (default: last) "Compiled method (c2)" print of a HotUnit's run (not an OSR one unless --osr) from LOG
(hex lines, no hsdis on this VM), disassembles it with objdump, and prints for each backward jump its target, its
length in x86 instructions and how many of them touch the stack (%rsp) or are push/pop: a loop laid out in one piece
is the span from the target to the jump. --dump prints the whole disassembly too.
"""
import re
import subprocess
import sys
import tempfile

args = [a for a in sys.argv[1:] if not a.startswith("--")]
log, nth = args[0], int(args[1]) if len(args) > 1 else -1
osr = "--osr" in sys.argv
lines = open(log, errors="replace").read().split("\n")
starts = [i for i, l in enumerate(lines) if "Compiled method (c2)" in l and "HotUnit" in l and ((" % " in l) == osr)]
if not starts:
    sys.exit("no such c2 method in " + log)
i = starts[nth]
code = {}
for l in lines[i:]:
    if l.startswith("[/MachCode]"):
        break
    m = re.match(r"\s*0x([0-9a-f]+): ([0-9a-f ]+(\|[0-9a-f ]+)*)", l)
    if m:
        a = int(m.group(1), 16)
        hx = m.group(2).replace("|", "").replace(" ", "")
        for k in range(0, len(hx) - 1, 2):
            code[a + k // 2] = int(hx[k:k + 2], 16)
start, end = min(code), max(code) + 1
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(bytes(code.get(a, 0x90) for a in range(start, end)))
    f.flush()
    dis = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "--adjust-vma=%#x" % start, f.name],
                         capture_output=True, text=True, check=True).stdout
insns = []
for l in dis.split("\n"):
    m = re.match(r"\s*([0-9a-f]+):\t([0-9a-f ]+)\t(.*)$", l)
    if m:
        insns.append((int(m.group(1), 16), m.group(3).strip()))
print("%s: %s, %d bytes, %d instructions" % (log, lines[i].strip(), end - start, len(insns)))
if "--dump" in sys.argv:
    for a, t in insns:
        print("  %x: %s" % (a, t))
index = {a: k for k, (a, _) in enumerate(insns)}
for k, (a, t) in enumerate(insns):
    m = re.match(r"(j\w+)\s+0x([0-9a-f]+)", t)
    if m and int(m.group(2), 16) <= a and int(m.group(2), 16) in index:
        j = index[int(m.group(2), 16)]
        body = insns[j:k + 1]
        stack = sum(1 for _, x in body if "(%rsp)" in x or x.startswith("push") or x.startswith("pop") or "rex.W push" in x or "rex.W pop" in x)
        pp = sum(1 for _, x in body if "push" in x or "pop" in x)
        print("back %x -> %x: %d instructions, %d with the stack (%d push/pop)" % (a, int(m.group(2), 16), len(body), stack, pp))
