"""C2 compiles made hot by the translator thread (the writer of the WhiteBox unit compiles in a LogCompilation log),
summed by class, against all of C2's task time (a tuning aid, not a test): python3 bench/cpu/compile-by-thread.py FILE...
"""
import re,sys,collections
for f in sys.argv[1:]:
    txt=open(f,errors="replace").read(); main=txt.split("<compilation_log")[0]
    writer=None; q={}
    for m in re.finditer(r"<writer thread='(\d+)'/>|<task_queued ([^>]*)>",main):
        if m.group(1): writer=m.group(1); continue
        a=m.group(2); lv=re.search(r"level='(\d)'",a)
        q[re.search(r"compile_id='(\d+)'",a).group(1)]=(writer,re.search(r"method='([^']*)'",a).group(1),int(lv.group(1)) if lv else 4)
    # translator thread = writer of whitebox UnitBg tasks
    tr=collections.Counter(w for w,m,l in q.values() if "UnitBg" in m).most_common(1)[0][0]
    starts=[(m.start(),m) for m in re.finditer(r"<task compile_id='(\d+)'[^>]*?stamp='([\d.]+)'>",txt)]
    dur={}
    for i,(pos,m) in enumerate(starts):
        end=starts[i+1][0] if i+1<len(starts) else len(txt)
        d=re.search(r"<task_done[^>]*?stamp='([\d.]+)'",txt[pos:end])
        if d: dur[m.group(1)]=float(d.group(1))-float(m.group(2))
    c2tot=sum(dur.get(c,0) for c,(w,m,l) in q.items() if l==4)
    byc=collections.Counter()
    for c,(w,m,l) in q.items():
        if l==4 and w==tr: byc[m.split(" ")[0]]+=dur.get(c,0)
    print(f, "translator thread", tr, "C2 total %.2f, by translator %.2f"%(c2tot,sum(byc.values())))
    for k,v in byc.most_common(14): print("   %.3f %s"%(v,k))
