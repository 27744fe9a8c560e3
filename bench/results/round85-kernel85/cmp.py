import re,sys
keys=["interpreted blocks","interpreted instructions","interpreted: unit being built","units entered by chain","units entered by lookup","interpreted: pc not in fetch TLB"]
for f in sys.argv[1:]:
    t=open(f).read()
    out=[f]
    m=re.search(r'run thread CPU ([\d.]+) s',t); out.append("run %s"%m.group(1))
    m=re.search(r'([\d.]+)% of instructions run translated; ([\d,]+) units built',t); out.append("transl %s%% units %s"%m.groups())
    for k in keys:
        m=re.search(r'  '+re.escape(k)+r'\s+([\d,]+)\s+\(from instruction 776,000,000: ([\d,]+)\)',t)
        if m: out.append("%s: all %s, mod %s"%(k,m.group(1),m.group(2)))
    m=re.search(r'at pending entries: queued ([\d,]+), translating ([\d,]+), C1 compiling ([\d,]+)',t)
    if m: out.append("pending q/t/c1 "+"/".join(m.groups()))
    print("\n  ".join(out))
