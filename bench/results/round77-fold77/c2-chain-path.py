import re, sys
# Follows C2's straight path from the fetch (the 32-bit load followed by and $0x3) to the branch into one case of a
# compare-chain switch on insn & 0x7f (round 77, fold77: no jump table in either compile): takes the (insn & 3) == 3
# branch (a 32-bit instruction), falls through other conditional branches, follows jmp; after "and $0x7f" it follows
# the chain: cmp $X / je falls through and jne is taken for X != OP; stops at the branch for OP. Counts instructions,
# stack stores and stack loads on the way (the fetch page's load before the fetch not counted, as in c2-dispatch.py).
f, op = sys.argv[1], int(sys.argv[2], 16)
ins = []
for l in open(f):
    m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", l)
    if m: ins.append((int(m.group(1), 16), m.group(2), m.group(3).strip()))
idx = {a: i for i, (a, _, _) in enumerate(ins)}
start = None
for i in range(len(ins) - 3):
    if ins[i][1] == "mov" and re.search(r"^0x10\(%r\w+,%r\w+,1\),%(r\w+d|e\w+)$", ins[i][2]) and any(ins[j][1] == "and" and ins[j][2].startswith("$0x3,") for j in range(i + 1, i + 3)):
        start = i; break
i = start; n = st = ld = 0; prev = None; out = []; chain = False; end = "?"
while n < 300:
    a, mn, arg = ins[i]
    n += 1; out.append("  %x: %s %s" % (a, mn, arg))
    if "(%rsp)" in arg:
        if re.search(r",\s*(-?0x[0-9a-f]+)?\(%rsp\)$", arg): st += 1
        else: ld += 1
    if mn == "and" and arg.startswith("$0x7f,"): chain = True
    if mn.startswith("j") and arg.startswith("0x"):
        tgt = int(arg.split()[0], 16)
        c = re.match(r"\$0x([0-9a-f]+),%", prev[1]) if prev and prev[0] == "cmp" else None
        x = int(c.group(1), 16) if c else None
        if mn == "jmp": i = idx[tgt]; prev = (mn, arg); continue
        if not chain and x == 3 and mn == "je": i = idx[tgt]; prev = (mn, arg); continue
        if chain and x is not None:
            if x == op: end = "je" if mn == "je" else "falls through"; break
            if mn == "jne": i = idx[tgt]; prev = (mn, arg); continue
    prev = (mn, arg); i += 1
print("%s: from the fetch at %x to the branch into case 0x%x (%s): %d instructions, %d stack stores, %d stack loads" % (f, ins[start][0], op, end, n, st, ld))
if "-v" in sys.argv: print("\n".join(out))
