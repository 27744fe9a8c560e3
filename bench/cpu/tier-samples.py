#!/usr/bin/env python3
"""The run thread's perf samples by tier of translated code, hot builds split into their tier-3 and C2 code (round 77).

  python3 bench/cpu/tier-samples.py PERF.data COMP.xml HOTLOG [KALLSYMS] [UNITS] [TOP]

PERF.data: bench/cpu/perf-phase.py's recording, made with -XX:+LogCompilation -XX:LogFile=COMP.xml (HotSpot's
compile log: every nmethod's address, size, level and stamp) and -Dvmckpt.jit.hotLog=true (HOTLOG: the run's error
output, OUT.err, whose hot-log lines name each build's class and its unit's key). perf's map names a unit's code by
its class only, and HotSpot's perf map at exit lists only code still alive, so a hot build's tier-3 code (freed once
C2's came) shows there as an unresolved address and its C2 code as the same name: this joins each sample's address
to the nmethod that held it at the sample's time (the compile log's stamps aligned to perf's clock by the tightest
first sample), which gives the tier. UNITS (optional): a -Dvmckpt.jit.profileDump .units file of the same run, whose
last column names each unit's class, for the C1 units' keys; without it C1 units are counted by tier only.
Prints: samples by kind (interpreter, C1 unit, hot build tier 3, hot build C2 / C2 OSR, dispatcher, ...), then the
translated samples by kernel function and tier (keys through KALLSYMS: /proc/kallsyms of the guest's kernel).
Untimed counts for docs/BENCHMARKS.md round 77 (ecdsa77).
"""
import bisect, collections, re, subprocess, sys

perf, compf, hotf = sys.argv[1], sys.argv[2], sys.argv[3]
ksyms = sys.argv[4] if len(sys.argv) > 4 else '-'
unitsf = sys.argv[5] if len(sys.argv) > 5 else '-'
top = int(sys.argv[6]) if len(sys.argv) > 6 else 30

# nmethods from HotSpot's compile log
nm = []  # (start, end, level, method, stamp, osr)
for l in open(compf, errors='replace'):
    if not l.startswith('<nmethod '): continue
    a = dict(re.findall(r"(\w+)='([^']*)'", l))
    if 'address' not in a or 'size' not in a: continue
    s = int(a['address'], 16)
    nm.append((s, s + int(a['size']), int(a.get('level', '0')), a.get('method', '?').split(' ')[0], float(a['stamp']),
               a.get('compile_kind') == 'osr'))
nm.sort()
starts = [n[0] for n in nm]
maxlen = max((n[1] - n[0] for n in nm), default=0)

def holders(ip):
    i = bisect.bisect_right(starts, ip) - 1
    out = []
    while i >= 0 and starts[i] > ip - maxlen:
        if nm[i][0] <= ip < nm[i][1]: out.append(nm[i])
        i -= 1
    return out

# the hot log: build class -> key, unit class -> key, and when each build was installed
cls_key = {}
for l in open(hotf, errors='replace'):
    m = re.match(r'vmckpt-hot .* key ([0-9a-f]+) at .*?: unit (\S+) ', l)
    if not m: continue
    k = int(m.group(1), 16)
    cls_key[m.group(2)] = k
    b = re.search(r', build (\S+) ', l)
    if b: cls_key[b.group(1)] = k
if unitsf != '-':
    for l in open(unitsf):
        f = l.split()
        if f and f[0] == 'unit': cls_key[f[-1]] = int(f[1], 16)

syms = []
if ksyms != '-':
    for l in open(ksyms):
        p = l.split()
        if len(p) >= 3: syms.append((int(p[0], 16), p[2]))
    syms.sort()
addrs = [a for a, _ in syms]

def fname(key):
    if key is None: return '(unit not keyed)'
    if not syms: return '%x' % key
    va = key + 0xffffffff7fe00000
    i = bisect.bisect_right(addrs, va) - 1
    return syms[i][1] if i >= 0 and va - addrs[i] < 0x10000 else '(module/vmalloc)'

out = subprocess.run(['perf', 'script', '-i', perf, '--comms', 'java', '-F', 'time,ip,sym'], capture_output=True,
                     text=True).stdout
samples = []
for l in out.splitlines():
    m = re.match(r'\s*([\d.]+):\s+([0-9a-f]+)\s*(.*)', l)
    if m: samples.append((float(m.group(1)), int(m.group(2), 16), m.group(3)))

# align HotSpot's stamps (s since the JVM's start) to perf's clock: stamp <= t + off for the code a sample ran in
off = None
for t, ip, s in samples:
    h = holders(ip)
    if len(h) == 1:
        d = h[0][4] - t
        off = d if off is None or d > off else off
off = off or 0.0

def kind_of(sym):
    if 'Hart.run' in sym or 'vtable' in sym or 'CodeCache' in sym or 'fetchesFrom' in sym: return 'dispatcher (Hart.run, vtable stub, CodeCache)'
    if sym.strip() == 'Interpreter': return "the JVM's bytecode interpreter"
    if 'Interpreter' in sym or 'Compressed' in sym: return 'interpreter (ours)'
    if 'Mmu' in sym: return 'Mmu (slow paths)'
    if 'Alu' in sym: return 'Alu (not inlined)'
    if sym.startswith('[unknown]') or sym.startswith('0x') or not sym.strip(): return 'unresolved'
    return 'other'

kinds = collections.Counter()
byfn = collections.Counter()
bykey = collections.Counter()
ambiguous = 0
for t, ip, sym in samples:
    h = holders(ip)
    if len(h) > 1:
        ambiguous += 1
        h = [n for n in h if n[4] <= t + off + 0.001] or h
        h = [max(h, key=lambda n: n[4])]
    if h and ('HotUnit' in h[0][3] or 'UnitBg' in h[0][3] or 'cpu.Unit/' in h[0][3]):
        n = h[0]
        cls = n[3].rsplit('.', 1)[0] if n[3].endswith('.run') or n[3].count('.') else n[3]
        cls = re.sub(r'\.run$', '', n[3])
        if 'HotUnit' in cls:
            tier = 'hot build, C2' + (' OSR' if n[5] else '') if n[2] == 4 else 'hot build, tier %d' % n[2]
        else:
            tier = 'C1 unit' if n[2] == 1 else 'C1 unit, tier %d' % n[2]
        kinds[tier] += 1
        k = cls_key.get(cls)
        byfn[(fname(k), tier)] += 1
        bykey[(k, tier)] += 1
    else:
        kinds[kind_of(sym) if not h else ('other JIT code (%s)' % ('ours' if 'vmckpt' in h[0][3] else 'JDK'))
              if kind_of(sym) in ('other', 'unresolved') else kind_of(sym)] += 1
tot = len(samples)
print('%s: %d samples of the run thread ("java"), %d nmethods in the compile log, stamp offset %.3f s, %d addresses held by more than one nmethod'
      % (perf, tot, len(nm), off, ambiguous))
for k, v in kinds.most_common(): print('  %5.1f%% %6d %s' % (100.0 * v / tot, v, k))
print('translated samples by kernel function and tier:')
for (f, t), v in byfn.most_common(top): print('  %6d %5.1f%% %-32s %s' % (v, 100.0 * v / tot, f, t))
print('by key:')
for (k, t), v in bykey.most_common(top): print('  %6d %5.1f%% %-8s %-32s %s' % (v, 100.0 * v / tot, '-' if k is None else '%x' % k, fname(k), t))
