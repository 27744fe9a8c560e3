"""Compile work by compiler tier and by what was compiled, from a HotSpot compilation log (a tuning aid, not a test).

Run vmckpt with VMCKPT_JAVA_OPTS="-XX:+LogCompilation -XX:LogFile=FILE" (the launcher already unlocks diagnostic
options when the WhiteBox jar is there), then: python3 bench/cpu/compile-log.py FILE [TOP]. Prints, per tier (C1
tiers 1-3, C2) and per group (translated units, the translator and ASM, the rest of vmckpt, the JDK), the compiles and
their summed time between the log's task and task_done stamps (compiler-thread wall time: under load it includes time
the thread waited for a core, so compare shares, not seconds), and the TOP C2 compiles by time.
"""
import re,sys,collections
txt=open(sys.argv[1],errors="replace").read()
# sections per compiler thread
agg=collections.defaultdict(lambda:[0,0.0]); top=collections.Counter(); cnt=collections.Counter()
for m in re.finditer(r"<task compile_id='(\d+)'( compile_kind='osr')? method='([^']*)'[^>]*?(?:level='(\d)' )?(?:blocking='1' )?stamp='([\d.]+)'>(.*?)<task_done[^>]*stamp='([\d.]+)'", txt, re.S):
    cid,osr,meth,lvl,t0,body,t1=m.groups(); t=float(t1)-float(t0); lvl=int(lvl or 4)
    cls=meth.split(" ")[0]
    if re.match(r"org\.vmckpt\.machine\.cpu\.(Unit|HotUnit)",cls) or "Unit" in cls and "/0x" in cls: cat="units"
    elif cls.startswith("org.objectweb.asm") or cls.startswith("org.vmckpt.machine.cpu.Translator"): cat="translator+ASM"
    elif cls.startswith("org.vmckpt"): cat="vmckpt"
    else: cat="jdk"
    k=("C2" if lvl==4 else "C1 t%d"%lvl,cat); agg[k][0]+=1; agg[k][1]+=t
    if lvl==4: top[meth.split(" ")[0].split(".")[-1]+"::"+meth.split(" ")[1]+("%" if osr else "")]+=t; cnt[meth.split(" ")[0].split(".")[-1]+"::"+meth.split(" ")[1]+("%" if osr else "")]+=1
for k in sorted(agg): print("%-8s %-15s %5d %7.3f"%(k[0],k[1],agg[k][0],agg[k][1]))
print("top C2:")
for k,t in top.most_common(int(sys.argv[2]) if len(sys.argv)>2 else 20): print("  %6.3f %2d %s"%(t,cnt[k],k))
