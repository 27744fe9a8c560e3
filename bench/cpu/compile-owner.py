"""C1's and C2's compiles in a HotSpot LogCompilation log by owner, tier and the thread that made them hot (a tuning aid,
not a test; round 82). Owner: units (Unit*/HotUnit hidden classes), translator (org.vmckpt.machine.cpu.Translator*),
ASM (org.objectweb.asm), emulator (Hart/Mmu/Interpreter*), vmckpt (the rest of ours), JDK. The thread: "tr" the
translator thread (the writer of the UnitBg* whitebox compiles), "run" the thread that queued Hart.run, "other".
Per row: compiles, summed task wall time (task to task_done stamps: loaded wall, compare shares), bytecode bytes
compiled, and the compiled code's size (nmethod size). Then, for the translator's and ASM's methods: how many distinct
methods were compiled, how many at each tier sequence (e.g. "3>1", "2>3>1", "1"), deoptimizations of their code
by tier, and with -v the methods with the tiers they took.
python3 bench/cpu/compile-owner.py LOG [-v]
"""
import re,sys,collections
txt=open(sys.argv[1],errors="replace").read(); verbose="-v" in sys.argv
main=txt.split("<compilation_log")[0]
def owner(meth):
    cls=meth.split(" ")[0]
    if "HotUnit" in cls or re.match(r"org\.vmckpt\.machine\.cpu\.Unit",cls): return "units"
    if cls.startswith("org.vmckpt.machine.cpu.Translator"): return "translator"
    if cls.startswith("org.objectweb.asm"): return "ASM"
    if re.match(r"org\.vmckpt\.machine\.cpu\.(Hart|Mmu|Interpreter)",cls): return "emulator"
    if cls.startswith("org.vmckpt"): return "vmckpt"
    return "JDK"
writer=None; q={}
for m in re.finditer(r"<writer thread='(\d+)'/>|<task_queued ([^>]*)>",main):
    if m.group(1): writer=m.group(1); continue
    a=m.group(2); lv=re.search(r"level='(\d)'",a)
    q[re.search(r"compile_id='(\d+)'",a).group(1)]=(writer,re.search(r"method='([^']*)'",a).group(1),int(lv.group(1)) if lv else 4,"compile_kind='osr'" in a,"comment='whitebox'" in a)
tr=collections.Counter(w for w,m,l,o,wb in q.values() if "UnitBg" in m).most_common(1)
tr=tr[0][0] if tr else None
run=collections.Counter(w for w,m,l,o,wb in q.values() if "machine.cpu.Hart run" in m).most_common(1)
run=run[0][0] if run else None
sizes={m.group(1):int(m.group(2)) for m in re.finditer(r"<nmethod compile_id='(\d+)'[^>]*? size='(\d+)'",txt)}
starts=[(m.start(),m) for m in re.finditer(r"<task compile_id='(\d+)'( compile_kind='osr')? method='([^']*)' bytes='(\d+)'[^>]*?stamp='([\d.]+)'>",txt)]
agg=collections.defaultdict(lambda:[0,0.0,0,0]); tot=collections.defaultdict(float); seq=collections.defaultdict(list)
for i,(pos,m) in enumerate(starts):
    end=starts[i+1][0] if i+1<len(starts) else len(txt)
    d=re.search(r"<task_done[^>]*?stamp='([\d.]+)'",txt[pos:end])
    if not d: continue
    cid,osr,meth,byt,t0=m.groups(); lv=re.search(r"level='(\d)'",m.group(0)); lvl=int(lv.group(1)) if lv else 4
    w,_,_,_,wb=q.get(cid,(None,None,None,None,False))
    th="tr" if w==tr else "run" if w==run else "other"
    if wb: th+="/wb"
    o=owner(meth); comp="C2" if lvl==4 else "C1"; dt=float(d.group(1))-float(t0)
    a=agg[(comp,lvl,o,th)]; a[0]+=1; a[1]+=dt; a[2]+=int(byt); a[3]+=sizes.get(cid,0); tot[comp]+=dt
    if o in ("translator","ASM"): seq[meth].append(str(lvl)+("%" if osr else ""))
print("compiler tier owner thread: compiles, task s (share of the compiler), bytecode KB, code KB")
for k in sorted(agg):
    a=agg[k]; print("%-2s t%d %-10s %-8s %5d %7.3f s %5.1f%% %7.1f KB %8.1f KB"%(k[0],k[1],k[2],k[3],a[0],a[1],100*a[1]/tot[k[0]],a[2]/1024,a[3]/1024))
by=collections.defaultdict(lambda:[0,0.0])
for k,a in agg.items():
    if k[0]=="C1": by[k[2]][0]+=a[0]; by[k[2]][1]+=a[1]
print("C1 by owner:", ", ".join("%s %d %.3f s (%.1f%%)"%(o,v[0],v[1],100*v[1]/tot["C1"]) for o,v in sorted(by.items(),key=lambda x:-x[1][1])))
for o in ("translator","ASM"):
    ms=[m for m in seq if owner(m)==o]
    c=collections.Counter(">".join(seq[m]) for m in ms)
    print("%s: %d methods compiled; tier sequences: %s"%(o,len(ms),", ".join("%s %d"%x for x in c.most_common(12))))
deo=collections.Counter()
for m in re.finditer(r"<deoptimized thread='\d+' reason='([^']*)'[^>]*compiler='(c\d)' level='(\d)'>\s*<jvms bci='\d+' method='([^']*)'",txt):
    if owner(m.group(4)) in ("translator","ASM"): deo[(owner(m.group(4)),m.group(1),m.group(3))]+=1
print("deoptimizations in translator/ASM code (owner, reason, tier): count:", dict(deo))
if verbose:
    for m in sorted(seq): print("  %-12s %s"%(">".join(seq[m]),m))
