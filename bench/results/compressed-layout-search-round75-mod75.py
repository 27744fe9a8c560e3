import numpy as np, itertools, sys
t = np.fromfile(sys.argv[1], dtype="<u2").astype(np.int64)
narrow=(t&3)!=3
pos=np.nonzero(narrow)[0]
c=t[narrow]
# windows of 10000 fetches
win=pos//10000
nw=(len(t)+9999)//10000
res=[]
bits=list(range(2,16))
for low in itertools.combinations(bits,4):
    # line id: the other 12 bits (incl quadrant) packed
    hi=[b for b in range(16) if b not in low]
    line=np.zeros_like(c)
    for k,b in enumerate(hi): line|=((c>>b)&1)<<k
    tot=len(np.unique(win*4096+line))
    res.append((tot/nw,len(np.unique(line)),low))
res.sort()
for r in res[:8]: print("%.1f per 10K, %d lines, in-line bits %s"%r)
print("quadrant layout (bits 2-5 in line):", [r for r in res if r[2]==(2,3,4,5)])
