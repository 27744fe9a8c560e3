import json,sys
marks=[('init','init'),('mstart','mstart'),('mend','mend'),('cstart','cstart'),('s256','s256'),('cend','cend'),('fstart','fstart'),('fend','fend')]
for f in sys.argv[1:]:
    d=json.load(open(f))
    for r in d:
        row=[r.get('name')]
        prev=None
        for k,_ in marks:
            c=r.get(k+'_cpu'); w=r.get(k+'_wall')
            if c: row.append('%s@%.1fs pf%.2f' % (k, w, c.get('prefault',0)))
        print(' '.join(row))
        for ph in ('sha256','gzip','fork'):
            c=r.get('counts',{}).get(ph,{})
            print('   ', ph, 'gcCount', c.get('gcCount'), 'gcMs', c.get('gcMs'), 'runCpu %.2f'%(c.get('runCpuNs',0)/1e9))
