import bisect,collections,sys
syms=[]
for l in open('/tmp/s72/kallsyms.txt'):
    p=l.split()
    if len(p)>=3: syms.append((int(p[0],16),p[2]))
syms.sort(); addrs=[a for a,_ in syms]
def name(va):
    i=bisect.bisect_right(addrs,va)-1
    if va-addrs[i]>0x10000: return '(module/vmalloc)'
    return syms[i][1]
def load(p):
    u={}
    try:
        for l in open(p):
            f=l.split(); u[f[1]]=(f[2],int(f[3]),int(f[4]),int(f[5]))
    except FileNotFoundError: pass
    return u
s=load(sys.argv[1]); e=load(sys.argv[2])
fn=collections.defaultdict(lambda:[0,0,0])
for k,(t,r,i,n) in e.items():
    a=s.get(k,(t,0,0,0))
    dr,di,dn=r-a[1],i-a[2],n-a[3]
    if di<=0: continue
    row=fn[(name(int(k,16)+0xffffffff7fe00000),t)]
    row[0]+=dr; row[1]+=di; row[2]+=dn
tot=sum(r[2] for r in fn.values())
print('total profiled unit ns', tot/1e9, 'insns', sum(r[1] for r in fn.values())/1e6)
for (f,t),r in sorted(fn.items(), key=lambda kv:-kv[1][2])[:int(sys.argv[3])]:
    print(f"{f:34s} {t} runs {r[0]/1e3:8.0f}K insns {r[1]/1e6:8.1f}M ns {r[2]/1e6:7.1f}ms  {r[2]/max(1,r[1]):.2f} ns/i  {r[1]/max(1,r[0]):.0f} i/run")
