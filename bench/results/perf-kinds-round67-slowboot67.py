#!/usr/bin/env python3
"""Per perf data file: java-comm samples by category and top symbols (absolute samples, 1999 Hz)."""
import subprocess, sys, re, collections
def cats(path):
    out = subprocess.run(["perf", "report", "-i", path, "--comms", "java", "--sort", "dso,sym", "-n", "--stdio"],
                         capture_output=True, text=True).stdout
    c = collections.Counter(); syms = collections.Counter()
    for line in out.splitlines():
        if line.startswith("#") or not line.strip(): continue
        m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[(.)\]\s+(.*)", line)
        if not m: continue
        n = int(m.group(2)); dso = m.group(3); sym = m.group(5).strip()
        if m.group(4) == 'k': k = "kernel"
        elif "UnitBg" in sym or "/Unit" in sym and "Hot" not in sym: k = "C1 units"
        elif "HotUnit" in sym: k = "hot units"
        elif "InterpreterFastLoop" in sym: k = "FastLoop"
        elif "Interpreter.interpretEach" in sym or "Interpreter.interpret(" in sym: k = "Interp.general"
        elif "org.vmckpt.machine.cpu.Interpreter" in sym: k = "Interp.other"
        elif sym == "Interpreter": k = "HS interpreter"
        elif "Hart.run" in sym: k = "Hart.run"
        elif "Mmu" in sym: k = "Mmu"
        elif "CodeCache" in sym: k = "CodeCache"
        elif "libjvm" in dso: k = "libjvm"
        elif "org.vmckpt" in sym: k = "other vmckpt"
        else: k = "other"
        c[k] += n; syms[sym[:110]] += n
    return c, syms
VERB=int(sys.argv[1][2:]) if sys.argv[1].startswith("-v") else 0
for p in [a for a in sys.argv[1:] if not a.startswith("-v")]:
    c, s = cats(p)
    tot = sum(c.values())
    print(p, "total", tot, " ".join(f"{k}={v}" for k, v in c.most_common()))
    if VERB:
        for k,v in s.most_common(VERB): print(f"   {v:6d} {k}")
