# Round 71 fork71: per-phase JitCounts deltas of each run of a jit-phases.py / fork-repeat.py directory (untimed counts).
# python3 bench/results/jitphases-summary-round71-fork71.py DIR PHASE
import importlib,sys,glob,re
sys.path.insert(0,'/work/wt-fork71/bench/cpu')
jp=importlib.import_module('jit-phases')
ph=sys.argv[2] if len(sys.argv)>2 else 'fork'
keys=['runCpuNs','instret','translated','units','liveInsns','invalidated','unitRuns','chained','deferrals','c1Rebuilds','hotBuilds','promotions','exceptions','pageFaults','ecallU','timerIrqs','gcCount','compileMs','bytecode','bgNs','mmu.load.misses','mmu.load.slotOther','mmu.store.misses','mmu.fetch.misses','mmu.fetch.slotOther','mmu.walks.walks','mmu.flushes.full','batchEnds']
for f in sorted(glob.glob(sys.argv[1]+'/*.log')):
    if '.comp.' in f or '.gc.' in f: continue
    c,s=jp.split(f)
    d=c.get(ph)
    if not d: print(f,'no',ph); continue
    interp=d['instret']-d['translated']
    comp=open(f[:-4]+'.comp.log').read() if glob.glob(f[:-4]+'.comp.log') else ''
    print(f.split('/')[-1], f"cpu {d['runCpuNs']/1e9:.2f} insns {d['instret']/1e6:.0f}M interp {interp/1e6:.0f}M ns/insn {d['runCpuNs']/d['instret']:.2f}",
      ' '.join(f"{k.replace('mmu.','')}={d.get(k,0)/1e3:.0f}K" if d.get(k,0)>100000 else f"{k.replace('mmu.','')}={d.get(k,0)}" for k in keys[3:]))
