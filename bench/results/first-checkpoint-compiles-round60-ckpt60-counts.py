import json,re,sys
res,jit,cl,wl=sys.argv[1:5]
cks=json.load(open(res))['workloads'][wl]['checkpoints']
def lines(f):
    for l in open(f):
        m=re.match(r'\[(\d+)ms\]\[(\d+)ns\]\s*(.*)',l)
        if m: yield int(m.group(2))/1e9, m.group(3)
J=list(lines(jit)); C=list(lines(cl))
for i,c in enumerate(cks):
    js=[x for t,x in J if c['t0']<=t<=c['t1'] and 'made not entrant' not in x]
    dz=[x for t,x in J if c['t0']<=t<=c['t1'] and 'made not entrant' in x]
    ck=[x for x in js if 'org.vmckpt.checkpoint' in x]
    mc=[x for x in js if 'org.vmckpt.machine' in x or 'org.vmckpt.cli' in x or 'Unit' in x]
    jdk=[x for x in js if 'org.vmckpt' not in x]
    c4=[x for x in js if re.match(r'\s*\d+\s+[%sbn! ]*4\s',x)]
    cls=[x for t,x in C if c['t0']<=t<=c['t1'] and 'Unit' not in x and 'LambdaForm' not in x]
    print(f"ckpt {i}: {len(js)} compiles ({len(c4)} C2): checkpoint pkgs {len(ck)}, machine/cli {len(mc)}, JDK/other {len(jdk)}; made not entrant {len(dz)}; classes loaded {len(cls)}; stall {c['stall_ms']:.0f} ms")
