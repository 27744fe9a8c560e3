#!/usr/bin/env python3
"""perf samples per machine instruction of one C2-compiled method, without hsdis's disassembly (round 33).

  GUEST=signed PHASE=modules python3 bench/cpu/perf-phase.py LAUNCHER OUT \\
      -XX:+LogVMOutput -XX:LogFile=OUT.vmlog -XX:CompileCommand=print,org.vmckpt.machine.cpu.Interpreter::interpret
  perf script -i OUT.modules.data --comms java -F tid,ip > OUT.ips
  python3 bench/cpu/perf-annotate.py OUT.out OUT.ips START [TID]

The JVM's print of a compiled method (-XX:CompileCommand=print, with Debian's libhsdis0-fcml installed) is hex, not
instructions, on this VM: this takes the hex lines of the method that begins at START (its address in
/tmp/perf-PID.map), writes the bytes out, disassembles them with objdump at that address, and prints each instruction
with the samples (of thread TID, if given) whose IP is on it. A sample lands on the instruction after a stalled one
(a cache miss shows on the instruction that uses the loaded value). Sort by the first column for the busiest.
"""
import collections
import re
import subprocess
import sys
import tempfile

out, ips, start = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
tid = sys.argv[4] if len(sys.argv) > 4 else None
code = {}
for line in open(out, errors="replace"):
    m = re.match(r"\s*0x([0-9a-f]+): ([0-9a-f ]+(\|[0-9a-f ]+)*)\s*$", line)
    if m:
        a = int(m.group(1), 16)
        hx = m.group(2).replace("|", "").replace(" ", "")
        if start <= a < start + 0x10000:
            for i in range(0, len(hx), 2):
                code[a + i // 2] = int(hx[i:i + 2], 16)
if not code:
    sys.exit("no hex lines of a method at %#x in %s" % (start, out))
end = max(code) + 1
with tempfile.NamedTemporaryFile(suffix=".bin") as f:
    f.write(bytes(code.get(a, 0x90) for a in range(start, end)))
    f.flush()
    dis = subprocess.run(["objdump", "-D", "-b", "binary", "-mi386:x86-64", "--adjust-vma=%#x" % start, f.name],
                         capture_output=True, text=True, check=True).stdout
samples = collections.Counter()
for line in open(ips):
    p = line.split()
    if len(p) < 2 or (tid and p[0] != tid):
        continue
    ip = int(p[1], 16)
    if start <= ip < end:
        samples[ip] += 1
print("samples in method", sum(samples.values()))
for line in dis.split("\n"):
    m = re.match(r"\s*([0-9a-f]+):", line)
    if m:
        n = samples.get(int(m.group(1), 16), 0)
        print("%5s %s" % (n if n else "", line))
