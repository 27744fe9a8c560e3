import re,sys
for f in sys.argv[1:]:
    b={}
    for l in open(f, errors='replace'):
        if 'HotUnit/' not in l: continue
        m=re.search(r'HotUnit/(0x[0-9a-f]+)',l); k=m.group(1)
        d=b.setdefault(k,{'q256':None,'c3':None,'t256':None})
        if 'call level=0' in l and 'total=256,' in l:
            d['q256']=int(re.search(r'queues=(\d+)',l).group(1)); d['t256']=float(l.split(':')[0])
        if '[compile level=3 ' in l and d['c3'] is None:
            d['c3']=(float(l.split(':')[0]), re.search(r'total=(\d+)',l) and 0)
            # total of the call event just before
    lost=[k for k,d in b.items() if d['q256'] is not None and d['q256']>=2]
    later=[k for k in lost if b[k]['c3']]
    never=[k for k,d in b.items() if not d['c3']]
    delays=[round(b[k]['c3'][0]-b[k]['t256'],2) for k in later]
    print(f"{f}: {len(b)} builds; C1 queue >=2 at call 256: {len(lost)}; of those queued later {len(later)} (s after: {sorted(delays)}); never queued by the end: {len(never)} (queue at 256: {[b[k]['q256'] for k in never]})")
