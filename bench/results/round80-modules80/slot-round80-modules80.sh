#!/bin/bash
# Round 80, branch modules80: this branch's slot (10:14-10:27 UTC). Sleeps until START (default 10:14:00 today), then one
# bench/cpu/ab-slot.sh series of the signed guest to "BENCH-INFO tainted" (the boot to /init and the module phase) with
# four launchers a round, their order turning (A,B,C,D / B,C,D,A / C,D,A,B / D,A,B,C), every one with the conflict ways
# (-Dvmckpt.mmu.conflictWays=256, as the brief asks, in every arm):
#   main   main's build (/tmp/mainroot80, 19679ba0)
#   kernel main's build with hotC2Kernel and the early look (round 77's ecdsa77 form, as rounds 78-79 measured it)
#   walk   this branch's jar with the dispatcher's fetch walk (-Dvmckpt.jit.fetchWalk=true)
#   walkk  this branch's jar with the fetch walk and hotC2Kernel with the early look
# Usage: slot-round80-modules80.sh [OUT] [START] [END]
set -u
cd /work/wt-modules80
OUTDIR=${1:-bench/results/round80-modules80/slot}
START=${2:-10:14:00}
ENDT=${3:-10:26:30}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot80/cli/target/vmckpt.jar | cut -c1-8)"
CW="-Dvmckpt.mmu.conflictWays=256"
K="-Dvmckpt.jit.hotC2Kernel=true -Dvmckpt.jit.hotC2KernelEarly=2000000"
W="-Dvmckpt.jit.fetchWalk=true"
A="main=/tmp/mainroot80/vmckpt,$CW" B="kernel=/tmp/mainroot80/vmckpt,$CW $K" \
C="walk=/work/wt-modules80/vmckpt,$CW $W" D="walkk=/work/wt-modules80/vmckpt,$CW $W $K" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=40 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
