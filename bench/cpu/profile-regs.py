#!/usr/bin/env python3
"""What units' entries and exits move, between two profile dumps (-Dvmckpt.jit.profileDump, lines "unit KEY TIER RUNS
INSNS NANOS GUEST-INSNS CODE-HEX LOADED STORED"; round 46): per tier and by instructions per run, the runs, the
instructions, the profiled ns (the profile's own timing included: a 1-instruction unit shows its floor) and the guest
registers loaded from the hart at each entry and stored back at each exit; then the busiest C1 units. The second dump's
counts minus the first's (a run stopped at the phase's start). Not a test: figures for docs/BENCHMARKS.md.

  python3 bench/cpu/profile-regs.py START.units END.units [TOP]
"""
import sys
def load(p):
    d={}
    for line in open(p):
        f=line.split()
        d[int(f[1],16)]=(f[2],int(f[3]),int(f[4]),int(f[5]),int(f[6]),int(f[8]) if len(f)>8 else 0,int(f[9]) if len(f)>9 else 0)
    return d
a,b=load(sys.argv[1]),load(sys.argv[2])
rows=[]
for k,(t,r,i,n,sz,ld,st) in b.items():
    p=a.get(k)
    if p and p[0]==t and p[4]==sz: r,i,n=r-p[1],i-p[2],n-p[3]
    if r<=0: continue
    rows.append((k,t,r,i,n,sz,ld,st))
tot={}
for tier in ("C1","C2"):
    R=[x for x in rows if x[1]==tier]
    runs=sum(x[2] for x in R); ins=sum(x[3] for x in R); ns=sum(x[4] for x in R)
    ld=sum(x[2]*x[6] for x in R); st=sum(x[2]*x[7] for x in R)
    print(f"{tier}: {len(R)} units, {runs/1e6:.1f} M runs, {ins/1e6:.0f} M insns ({ins/max(runs,1):.1f}/run), {ns/1e9:.2f} s profiled ({ns/max(ins,1):.2f} ns/insn, {ns/max(runs,1):.1f} ns/run); register loads {ld/1e6:.0f} M ({ld/max(runs,1):.1f}/run), stores {st/1e6:.0f} M ({st/max(runs,1):.1f}/run): {(ld+st)/max(ins,1):.2f} per guest insn")
    for lo,hi in ((0,20),(20,50),(50,100),(100,300),(300,10**9)):
        S=[x for x in R if lo<=x[3]/x[2]<hi]
        if not S: continue
        runs=sum(x[2] for x in S); ins=sum(x[3] for x in S); ns=sum(x[4] for x in S); ld=sum(x[2]*x[6] for x in S); st=sum(x[2]*x[7] for x in S)
        print(f"   {lo}-{hi} insns/run: {len(S)} units, {runs/1e6:.1f} M runs, {ins/1e6:.0f} M insns, {ns/max(ins,1):.2f} ns/insn, {ns/max(runs,1):.1f} ns/run, loads {ld/runs:.1f} + stores {st/runs:.1f} per run = {(ld+st)/ins:.2f} per insn")
print("top C1 units by profiled time:")
for k,t,r,i,n,sz,ld,st in sorted([x for x in rows if x[1]=="C1"],key=lambda x:-x[4])[:int(sys.argv[3]) if len(sys.argv)>3 else 20]:
    print(f"  {k:x} {r/1e6:6.2f} M runs {i/1e6:7.1f} M insns {i/r:6.1f}/run {n/1e6:7.1f} ms {n/i:5.2f} ns/insn {n/r:6.1f} ns/run; loads {ld} stores {st}; {sz} insns")
