import sys,subprocess,re,collections,glob
for f in sorted(glob.glob('/tmp/c69/pp-*.boot.data')):
    tag=f.split('/pp-')[1].replace('.boot.data','')
    out=open(f.replace('.boot.data','.out')).read()+open(f.replace('.boot.data','.err')).read()
    m=re.search(r'vmckpt: ([\d,]+) instructions',out); tr=re.search(r'([\d.]+)% of instructions run translated',out)
    rc=re.search(r'run thread CPU ([\d.]+) s',out)
    if not (m and tr): print(tag,'no stats'); continue
    ins=int(m.group(1).replace(',','')); interp=ins*(1-float(tr.group(1))/100)
    txt=subprocess.run(['perf','script','-i',f,'--comms','java','-F','tid,ip,sym'],capture_output=True,text=True).stdout
    bytid=collections.Counter(); k=collections.defaultdict(collections.Counter)
    for line in txt.splitlines():
        p=line.strip().split(None,2)
        if not p: continue
        tid=p[0]; s=p[2] if len(p)>2 else ''
        bytid[tid]+=1
        if 'InterpreterFastLoop.run' in s: k[tid]['loop']+=1
        elif 'Unit' in s and 'run(' in s: k[tid]['units']+=1
        elif 'Hart.run' in s or 'CodeCache' in s: k[tid]['disp']+=1
    tid=bytid.most_common(1)[0][0]; c=k[tid]; ls=c['loop']
    print('%-14s run-thr %5d loop %5d (%.1f%%) units %5d disp %4d | interp %.1f M (%.1f%% transl) | loop ns/interp insn %.2f | --stats run CPU %s' % (tag,bytid[tid],ls,100*ls/bytid[tid],c['units'],c['disp'],interp/1e6,float(tr.group(1)),ls/1999/interp*1e9, rc.group(1) if rc else '?'))
