import subprocess,sys,collections
f=sys.argv[1]; w=float(sys.argv[2]) if len(sys.argv)>2 else 0.5
out=subprocess.run(['perf','script','-i',f,'--comms','java','-F','time,ip,sym'],capture_output=True,text=True).stdout
rows=[]
for l in out.splitlines():
    l=l.strip()
    if not l: continue
    t,_,s=l.partition(':'); 
    try: t=float(t)
    except: continue
    s=s.strip().split(' ',1)[-1]
    if 'HotUnit' in s: k='hot'
    elif 'UnitBg' in s or 'Unit/' in s: k='c1'
    elif 'Hart.run' in s or 'vtable' in s or 'CodeCache' in s: k='disp'
    elif 'Interpreter' in s and 'org.vmckpt' in s: k='interp'
    elif 'Mmu' in s: k='mmu'
    elif 'pvm_irq' in s: k='pvm'
    else: k='other'
    rows.append((t,k))
t0=rows[0][0]; b=collections.defaultdict(collections.Counter)
for t,k in rows: b[int((t-t0)/w)][k]+=1
ks=['hot','c1','disp','interp','mmu','pvm','other']
print('t0', ' '.join('%6s'%k for k in ks))
for i in sorted(b): print('%5.1f'%(i*w), ' '.join('%6d'%b[i][k] for k in ks))
