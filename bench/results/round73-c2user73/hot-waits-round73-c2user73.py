import re,sys
for f in sys.argv[1:]:
    ev={}; marks=[]
    for line in open(f):
        t=float(line.split()[0])
        if ' out ' in line and 'BENCH-MARK' in line or 'BENCH-INIT' in line: marks.append((t,line.split('| ')[1].split()[0:2]))
        m=re.search(r'vmckpt-hot (decided|queued for C2|installed)\b.*?key (\w+) at ([\d.]+)',line)
        if m:
            ev.setdefault(m.group(2),{}).setdefault(m.group(1),(t,float(m.group(3))))
    print(f)
    print(' '.join('%s@%.2f'%(m[1][-1],m[0]) for m in marks))
    for k,e in sorted(ev.items(), key=lambda kv: kv[1]['decided'][0] if 'decided' in kv[1] else 0):
        d=e.get('decided'); q=e.get('queued for C2'); i=e.get('installed')
        print('%-9s dec %6.2fs %7.1fM  q %s  inst %s' % (k, d[0], d[1], '%6.2fs'%q[0] if q else '   -   ', '%6.2fs %7.1fM wait %.2fs'%(i[0],i[1],i[0]-d[0]) if i else '-'))
