#!/usr/bin/env python3
"""A model of the fast loop's 16-or-32-bit test as a predicted branch (round 75): counts, not a CPU's behaviour.

  python3 bench/cpu/length-branch-model.py TRACE N

TRACE is CompressedTrace's output (-Dvmckpt.interp.fetchTrace); the first N fetches are run through a table of 2-bit
counters indexed by a hash of the previous k fetched 16-bit values (k = 1, 2, 4, 8; 2^12 and 2^16 counters), a
stand-in for a global-history predictor whose history the loop's earlier branches and dispatch targets make. Prints
the share of fetches whose length such a predictor would miss. This VM exposes no hardware counters (perf stat:
"not supported"), so the real predictor's misses could not be counted.
"""
import numpy as np, sys
t=np.fromfile(sys.argv[1],dtype='<u2')[:int(sys.argv[2])].astype(np.int64)
wide=((t&3)==3).astype(np.int8)
n=len(t)
print("fetches",n,"wide share %.3f"%wide.mean(),"changes %.3f"%(wide[1:]!=wide[:-1]).mean())
for k in (1,2,4,8):
  for bits in (12,16):
    # index: hash of the previous k fetched 16-bit values (what a global history over the loop's branches might key on)
    h=np.zeros(n,dtype=np.int64)
    for j in range(1,k+1):
        sh=np.roll(t,j); sh[:j]=0
        h=(h*1000003) ^ (sh*(2*j+1))
    idx=(h ^ (h>>17) ^ (h>>31)) & ((1<<bits)-1)
    idx=idx.tolist(); w=wide.tolist()
    ctr=[2]*(1<<bits); miss=0
    for i in range(n):
        c=ctr[idx[i]]; o=w[i]
        if (c>=2)!=(o==1): miss+=1
        if o:
            if c<3: ctr[idx[i]]=c+1
        else:
            if c>0: ctr[idx[i]]=c-1
    print("k=%d table 2^%d: mispredicted %.2f%%"%(k,bits,100.0*miss/n), flush=True)
