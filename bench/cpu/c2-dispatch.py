#!/usr/bin/env python3
"""C2's code of one method from a -XX:CompileCommand=print log, disassembled, around its jump table (round 76).

  python3 bench/cpu/c2-dispatch.py LOG METHOD [--dump] [--from HEX]

Takes the last non-OSR "Compiled method (c2)" print whose line contains METHOD (e.g. InterpreterFastLoop::run) from
LOG (hex lines, no hsdis on this VM), disassembles it with objdump and prints, for each indirect jump (`jmp *`: a
switch's jump table), the straight-line code before it back to the nearest earlier branch target that a backward jump
reaches (the loop's head, or --from HEX), with how many of those instructions store to or load from the stack (%rsp).
--dump prints the whole disassembly too. --cases OP,OP,... (hex opcodes, a switch on `insn & 0x7f` whose table
starts at the constant section, entry (op - 3)): each case's path from its table entry, falling through every
conditional branch and following unconditional jumps, until it jumps back to a loop head (at most 120 instructions),
with its stack stores and loads (a rough path: a case's inner switch takes its first arm). Counts, not times: what C2 does before the dispatch of every instruction.
"""
import re
import subprocess
import sys
import tempfile

args = [a for a in sys.argv[1:] if not a.startswith("--")]
log, name = args[0], args[1]
frm = None
if "--from" in sys.argv:
    frm = int(sys.argv[sys.argv.index("--from") + 1], 16)
lines = open(log, errors="replace").read().split("\n")
starts = [i for i, l in enumerate(lines) if "Compiled method (c2)" in l and name in l and " % " not in l]
if not starts:
    sys.exit("no such c2 method in " + log)
i = starts[-1]
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
heads = set()
for k, (a, t) in enumerate(insns):
    m = re.match(r"(j\w+)\s+0x([0-9a-f]+)", t)
    if m and int(m.group(2), 16) <= a and int(m.group(2), 16) in index:
        heads.add(int(m.group(2), 16))
if frm is not None:
    heads = {frm}


def stack(t):
    if "(%rsp)" not in t:
        return ""
    ops = t.split(None, 1)
    if len(ops) < 2:
        return ""
    return "store" if ops[1].rstrip().endswith("(%rsp)") else "load"


for k, (a, t) in enumerate(insns):
    if t.startswith("jmp    *") or t.startswith("jmpq   *") or t.startswith("rex.B jmp *") or re.match(r"(rex\.\w+ )?jmpq? +\*", t):
        before = [h for h in heads if h < a]
        if not before:
            continue
        h = max(before)
        body = insns[index[h]:k + 1]
        st = sum(1 for _, x in body if stack(x) == "store")
        ld = sum(1 for _, x in body if stack(x) == "load")
        print("jump table at %x, from %x: %d instructions, %d stack stores, %d stack loads" % (a, h, len(body), st, ld))


if "--cases" in sys.argv:
    ops = [int(o, 16) for o in sys.argv[sys.argv.index("--cases") + 1].split(",")]
    table = {}
    for l in lines[i:]:
        m = re.match(r"\s*0x([0-9a-f]+):\s+0x[0-9a-f]+\s+0x([0-9a-f]{16})\s*$", l)
        if m:
            table[int(m.group(1), 16)] = int(m.group(2), 16)
        if l.startswith("[MachCode]"):
            break
    base = min(table) if table else None
    for op in ops:
        if base is None or base + 8 * (op - 3) not in table:
            print("case %#x: no table entry" % op)
            continue
        a = table[base + 8 * (op - 3)]
        path = []
        while a in index and len(path) < 120:
            k = index[a]
            t = insns[k][1]
            path.append((a, t))
            m = re.match(r"jmp\s+0x([0-9a-f]+)", t)
            if m:
                a = int(m.group(1), 16)
                if a in heads:
                    break
                continue
            if t.startswith("ret") or "jmp" in t and "*" in t:
                break
            a = insns[k + 1][0] if k + 1 < len(insns) else None
        st = sum(1 for _, x in path if stack(x) == "store")
        ld = sum(1 for _, x in path if stack(x) == "load")
        print("case %#x: %d instructions to the loop's head, %d stack stores, %d stack loads" % (op, len(path), st, ld))
        if "--paths" in sys.argv:
            for pa, t in path:
                print("    %x: %s" % (pa, t))
