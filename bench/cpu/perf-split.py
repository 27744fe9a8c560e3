#!/usr/bin/env python3
"""Splits perf samples of the run thread (bench/cpu/perf-phase.py's OUT.sha.data, OUT.gzip.data) by kind of code:
C2 units (HotUnit), C1 units (UnitBg/Unit), the dispatcher (Hart.run, the vtable stub of its unit call, CodeCache),
the interpreter, Mmu's slow paths, Alu calls left out of line, the JDK methods they call, the kernel, other. python3 bench/cpu/perf-split.py FILE...
"""
import sys,subprocess,re,collections
for f in sys.argv[1:]:
    out=subprocess.run(['perf','report','-i',f,'--comms','java','--sort','sym','--stdio','-F','overhead,sample,sym'],capture_output=True,text=True).stdout
    c=collections.Counter(); tot=0; others=collections.Counter()
    for line in out.splitlines():
        m=re.match(r'\s+([\d.]+)%\s+(\d+)\s+\[(.)\]\s+(.*)',line)
        if not m: continue
        n=int(m.group(2)); s=m.group(4); tot+=n
        if m.group(3)=='k': k='kernel'
        elif 'HotUnit' in s: k='C2 units (hot tier)'
        elif 'UnitBg' in s or 'cpu.Unit/' in s: k='C1 units'
        elif 'Hart.run' in s or 'vtable' in s or 'CodeCache' in s or 'fetchesFrom' in s: k='dispatcher (Hart.run, vtable stub, CodeCache)'
        elif s.strip() == 'Interpreter': k='the JVM\'s bytecode interpreter (our code not compiled yet)'
        elif 'Interpreter' in s or 'Compressed' in s: k='interpreter'
        elif 'Mmu' in s: k='Mmu (slow paths)'
        elif s.startswith('0x'): k='unresolved (code since freed: units and made-not-entrant methods)'

        elif 'Alu' in s: k='Alu (not inlined)'
        elif 'multiplyHigh' in s or 'Long.compare' in s or 'divideUnsigned' in s or 'remainderUnsigned' in s: k='JDK calls from units (multiplyHigh, compareUnsigned, ...)'
        else: k='other'
        c[k]+=n
        if k=='other': others[s]+=n
    print(f, 'samples', tot)
    for k,v in c.most_common(): print('  %5.1f%% %s'%(100*v/tot,k))
    for k,v in others.most_common(12): print('      other: %5.1f%% %s'%(100*v/tot,k[:100]))
