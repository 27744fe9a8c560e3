#!/usr/bin/env python3
"""perf samples of the run thread per translated unit, joined to unit keys and kernel functions (round 76, kmod76).

  python3 unit-samples.py PERF.data END.units [START.units] [KALLSYMS] [TOP]

END.units: a `-Dvmckpt.jit.profileDump` dump of the same run as PERF.data (bench/cpu/perf-phase.py with
-Dvmckpt.jit.profile=true), whose last column (round 76) is each unit's hidden class name as the perf map names it.
START.units (optional, '-' for none): a dump at the phase's start from another run, subtracted per key for the phase's
instructions (approximate: timing differs run to run). Prints samples by kernel function and tier, with the phase's
guest instructions and samples per 10 M instructions; and the run thread's samples by kind.
"""
import bisect, collections, re, subprocess, sys
perf, endf = sys.argv[1], sys.argv[2]
startf = sys.argv[3] if len(sys.argv) > 3 else '-'
ksyms = sys.argv[4] if len(sys.argv) > 4 else '/tmp/s72/kallsyms.txt'
top = int(sys.argv[5]) if len(sys.argv) > 5 else 25
syms = []
for l in open(ksyms):
    p = l.split()
    if len(p) >= 3: syms.append((int(p[0], 16), p[2]))
syms.sort(); addrs = [a for a, _ in syms]
def name(key):
    va = key + 0xffffffff7fe00000
    i = bisect.bisect_right(addrs, va) - 1
    return syms[i][1] if i >= 0 and va - addrs[i] < 0x10000 else '(module/vmalloc)'
def load(p):
    u = {}
    if p == '-': return u
    for l in open(p):
        f = l.split()
        if f[0] != 'unit': continue
        u[(f[1], f[2])] = (int(f[3]), int(f[4]), f[-1] if len(f) > 14 else None)
    return u
end, start = load(endf), load(startf)
cls = {}
for (k, t), (r, i, c) in end.items():
    if c: cls[c] = (k, t)
out = subprocess.run(['perf', 'report', '-i', perf, '--comms', 'java', '--sort', 'sym', '--stdio', '-F', 'overhead,sample,sym'],
                     capture_output=True, text=True).stdout
bykey = collections.Counter(); unmatched = collections.Counter(); total = 0
for line in out.splitlines():
    m = re.match(r'\s+([\d.]+)%\s+(\d+)\s+\[(.)\]\s+(.*)', line)
    if not m: continue
    n = int(m.group(2)); s = m.group(4); total += n
    mm = re.search(r'((?:Hot)?Unit\w*/0x[0-9a-f]+)\.run', s)
    if mm:
        c = 'org.vmckpt.machine.cpu.' + mm.group(1)
        if c in cls: bykey[cls[c]] += n
        else: unmatched[mm.group(1).split('/')[0]] += n
fn = collections.defaultdict(lambda: [0, 0, 0])
for (k, t), n in bykey.items():
    fn[(name(int(k, 16)), t)][0] += n
for (k, t), (r, i, c) in end.items():
    a = start.get((k, t), (0, 0, None))
    if i - a[1] <= 0: continue
    row = fn[(name(int(k, 16)), t)]; row[1] += i - a[1]; row[2] += r - a[0]
print('run-thread samples', total, '; in units joined to keys', sum(bykey.values()), '; unit samples not joined (units dropped before the dump)', dict(unmatched))
print('%-34s %4s %7s %10s %9s %9s %8s' % ('function', 'tier', 'samples', 'insns (M)', 'runs (K)', 'smp/10Mi', 'insn/run'))
for (f, t), (n, i, r) in sorted(fn.items(), key=lambda kv: -kv[1][0])[:top]:
    print('%-34s %4s %7d %10.1f %9.0f %9.2f %8.0f' % (f[:34], t, n, i / 1e6, r / 1e3, n / max(i, 1) * 1e7, i / max(r, 1)))
