import json,subprocess,sys,collections,datetime
def load(f):
    j=json.loads(subprocess.run(['jfr','print','--json','--events','jdk.ObjectAllocationSample',f],capture_output=True,text=True).stdout)
    return j['recording']['events']
def ts(e): return datetime.datetime.fromisoformat(e['values']['startTime'].replace('Z','+00:00')).timestamp()
evs={f:load(f) for f in sys.argv[1:]}
mig=[ts(e) for f in evs for e in evs[f] if (e['values'].get('eventThread') or {}).get('javaName')=='vmckpt-migrate']
# the real migration: the last cluster of vmckpt-migrate samples (warm-up runs use other names?)
mig.sort(); t1=mig[-1]; t0=t1
for t in reversed(mig):
    if t0-t>1.0: break
    t0=t
print('window',t0,t1,t1-t0)
for f,ev in evs.items():
    byt=collections.Counter(); bys=collections.Counter()
    for e in ev:
        t=ts(e)
        if not (t0-0.05<=t<=t1+0.05): continue
        v=e['values']; w=v['weight']; th=(v.get('eventThread') or {}).get('javaName')
        fr=v['stackTrace']['frames'] if v.get('stackTrace') else []
        top=' < '.join(f"{x['method']['type']['name'].split('/')[-1]}.{x['method']['name']}:{x['lineNumber']}" for x in fr[:3])
        byt[th]+=w; bys[(th,v['objectClass']['name'],top)]+=w
    print('==',f,'total %.1f MiB'%(sum(byt.values())/2**20))
    for k,v in byt.most_common(6): print(f"{v/2**20:8.1f} MiB {k}")
    for k,v in bys.most_common(14): print(f"{v/2**20:8.1f} MiB {k}")
