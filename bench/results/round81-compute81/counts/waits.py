import re,sys
err,comp,lo=sys.argv[1],sys.argv[2],float(sys.argv[3])
dec={};ins={};cls={}
for l in open(err):
    if '| ' in l: l=l.split('| ',1)[1]
    m=re.match(r'vmckpt-hot (decided|built|installed) .*?key (\w+) at ([\d.]+) M: unit \S+ \((\d+) insns',l)
    if not m: continue
    k=m.group(2); at=float(m.group(3))
    if m.group(1)=='decided': dec.setdefault(k,at)
    if m.group(1)=='installed': ins.setdefault(k,at)
    if m.group(1)=='built':
        c=re.search(r'build (\S+)',l).group(1); cls[k]=c
c2={}; t3={}
for l in open(comp):
    if l.startswith('<task_queued') and 'HotUnit' in l:
        a=dict(re.findall(r"(\w+)='([^']*)'",l)); c=a['method'].split(' ')[0]
        if a.get('level')=='3': t3.setdefault(c,float(a['stamp']))
        elif a.get('level') in (None,'4'): c2.setdefault(c,float(a['stamp']))
for k in sorted(dec,key=dec.get):
    if dec[k]<lo: continue
    c=cls.get(k,'?')
    print(k, 'decided %7.1f M'%dec[k], 'installed %7s'%('%.1f'%ins[k] if k in ins else '-'), 'wait %6s M'%('%.0f'%(ins[k]-dec[k]) if k in ins else '-'), 't3q', t3.get(c), 'c2q', c2.get(c))
