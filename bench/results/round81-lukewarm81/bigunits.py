import re,sys,bisect
units, comp, ks = sys.argv[1], sys.argv[2], '/tmp/ecdsa77/kallsyms.txt'
syms=[]
for l in open(ks):
    a,t,n=l.split()[:3]
    if t in 'tTwW': syms.append((int(a,16),n))
syms.sort(); addrs=[a for a,_ in syms]
def fn(k):
    va=k+0xffffffff7fe00000; i=bisect.bisect_right(addrs,va)-1
    return syms[i][1] if i>=0 and va-addrs[i]<0x10000 else '?'
txt=open(comp,errors='replace').read()
c={}
for m in re.finditer(r"<task compile_id='\d+' method='(org\.vmckpt\.machine\.cpu\.Unit\S*) run[^']*' bytes='(\d+)'[^>]*?level='1'[^>]*stamp='([\d.]+)'>(.*?)<task_done[^>]*stamp='([\d.]+)'", txt, re.S):
    c[m.group(1).replace('.','/').replace('/0x','/0x')]=(int(m.group(2)),(float(m.group(5))-float(m.group(3)))*1000)
rows=[]
for l in open(units):
    f=l.split()
    if f[0]!='unit' or f[2]!='C1': continue
    name=f[-1].replace('.','/')
    if name in c:
        b,ms=c[name]; rows.append((b,ms,f[1],fn(int(f[1],16)),int(f[5]),int(f[3]),int(f[4])))
rows.sort(reverse=True)
print("bytes compile_ms key function insns runs retired")
for r in rows[:40]: print("%5d %7.1f %s %-28s %4d %9d %11d"%r)
print("matched",len(rows))
