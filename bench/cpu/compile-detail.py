"""Compile work from a HotSpot LogCompilation log, in more detail than compile-log.py (a tuning aid, not a test).

By compiler, tier and category (units, hot-tier units, the translator and ASM, Hart/Mmu/Interpreter, the rest of
vmckpt, the JDK), with shares of each compiler's summed task time (task to task_done stamps: compiler-thread wall time,
so under load compare shares); the tier-1 units' queue wait (queued to started) and compile time by bytecode size;
what C1 was busy with when a unit was queued; make_not_entrant and deoptimization events by method and reason; the
hot-tier units' compiles. Run vmckpt with VMCKPT_JAVA_OPTS="-XX:+LogCompilation -XX:LogFile=FILE", then:
python3 bench/cpu/compile-detail.py FILE
"""
import re,sys,collections
txt=open(sys.argv[1],errors="replace").read()
def cat(meth):
    cls=meth.split(" ")[0]
    if "HotUnit" in cls: return "hotunit"
    if re.match(r"org\.vmckpt\.machine\.cpu\.Unit",cls): return "units"
    if cls.startswith("org.objectweb.asm") or cls.startswith("org.vmckpt.machine.cpu.Translator"): return "translator+ASM"
    if cls.startswith("org.vmckpt.machine.cpu.Hart") or cls.startswith("org.vmckpt.machine.cpu.Mmu") or cls.startswith("org.vmckpt.machine.cpu.Interpreter"): return "Hart/Mmu/Interp"
    if cls.startswith("org.vmckpt"): return "vmckpt"
    return "jdk"
queued={}
for m in re.finditer(r"<task_queued compile_id='(\d+)'( compile_kind='osr')? method='([^']*)'[^>]*?stamp='([\d.]+)'",txt):
    queued[m.group(1)]=float(m.group(4))
tasks={}
starts=[(m.start(),m) for m in re.finditer(r"<task compile_id='(\d+)'( compile_kind='osr')? method='([^']*)' bytes='(\d+)'[^>]*?stamp='([\d.]+)'>",txt)]
for i,(pos,m) in enumerate(starts):
    end=starts[i+1][0] if i+1<len(starts) else len(txt)
    d=re.search(r"<task_done[^>]*?stamp='([\d.]+)'",txt[pos:end])
    if not d: continue
    lv=re.search(r"level='(\d)'",m.group(0))
    cid,osr,meth,byt,t0=m.groups()
    tasks[cid]=dict(meth=meth,lvl=int(lv.group(1)) if lv else 4,t0=float(t0),t1=float(d.group(1)),osr=bool(osr),cat=cat(meth),bytes=int(byt))
agg=collections.defaultdict(lambda:[0,0.0])
tot=collections.defaultdict(float)
for t in tasks.values():
    comp="C2" if t["lvl"]==4 else "C1"
    k=(comp,"t%d"%t["lvl"],t["cat"]); d=t["t1"]-t["t0"]; agg[k][0]+=1; agg[k][1]+=d; tot[comp]+=d
print("compiler tier category compiles seconds share")
for k in sorted(agg): print("%-3s %-3s %-16s %5d %7.3f %5.1f%%"%(k[0],k[1],k[2],agg[k][0],agg[k][1],100*agg[k][1]/tot[k[0]]))
# units: queue wait and compile time
u=[t|{"q":queued.get(c,t["t0"])} for c,t in tasks.items() if t["cat"]=="units" and t["lvl"]==1]
u.sort(key=lambda t:t["t0"])
if u:
    waits=sorted(t["t0"]-t["q"] for t in u); comps=sorted(t["t1"]-t["t0"] for t in u)
    med=lambda a:a[len(a)//2]
    print("tier-1 units %d: queue wait median %.1f ms p90 %.1f max %.1f sum %.2f s; compile median %.1f ms p90 %.1f max %.1f sum %.2f s; bytes median %d"%(len(u),1e3*med(waits),1e3*waits[int(.9*len(waits))],1e3*waits[-1],sum(waits),1e3*med(comps),1e3*comps[int(.9*len(comps))],1e3*comps[-1],sum(comps),med(sorted(t["bytes"] for t in u))))
    # what was C1 doing while units waited: overlap of non-unit C1 tasks with unit waits
    for sz in (1000,2000,4000,8000,100000):
        s=[t for t in u if t["bytes"]<sz and t["bytes"]>=(sz//2 if sz<100000 else 8000)]
        if s: print("  bytes <%6d: %3d units, compile sum %.2f s, mean %.1f ms"%(sz,len(s),sum(t["t1"]-t["t0"] for t in s),1e3*sum(t["t1"]-t["t0"] for t in s)/len(s)))
    print("  first unit queued at %.2f s, last at %.2f s"%(u[0]["q"],u[-1]["q"]))
# blocking units waiting behind: which C1 task was running when a unit was queued
blockers=collections.Counter(); bt=collections.defaultdict(float)
c1=[t for t in tasks.values() if t["lvl"]<4]
for x in u:
    for t in c1:
        if t is not x and t["t0"]<x["q"]<t["t1"] and t["cat"]!="units":
            blockers[t["cat"]+" t%d"%t["lvl"]]+=1; bt[t["cat"]+" t%d"%t["lvl"]]+=t["t1"]-x["q"]
print("unit queued while C1 was busy with (count, remaining s):", [(k,v,round(bt[k],3)) for k,v in blockers.most_common()])
# not entrant / deopts by method
mne=collections.Counter()
for m in re.finditer(r"<make_not_entrant thread='\d+' compile_id='(\d+)'[^>]*level='(\d)'",txt):
    t=tasks.get(m.group(1)); mne[(t["meth"].split(" (")[0] if t else "?",m.group(2))]+=1
print("make_not_entrant top:", mne.most_common(8))
ut=collections.Counter()
for m in re.finditer(r"<uncommon_trap thread='\d+' reason='(\w+)'[^>]*?compile_id='(\d+)'",txt):
    t=tasks.get(m.group(2)); ut[(m.group(1),t["meth"].split(" (")[0] if t else "?")]+=1
print("uncommon traps top:", ut.most_common(8))
de=collections.Counter()
for m in re.finditer(r"<deoptimized thread='\d+' reason='(\w+)'[^>]*compile_id='(\d+)'[^>]*level='(\d)'",txt):
    t=tasks.get(m.group(2)); de[(m.group(1),t["meth"].split(" (")[0] if t else "?",m.group(3))]+=1
print("deoptimized top:", de.most_common(8))
hot=[t for t in tasks.values() if t["cat"]=="hotunit"]
for t in sorted(hot,key=lambda t:t["t0"]): print("hot unit t%d%s bytes %d at %.2f-%.2f (%.0f ms)"%(t["lvl"]," osr" if t["osr"] else "",t["bytes"],t["t0"],t["t1"],1e3*(t["t1"]-t["t0"])))
