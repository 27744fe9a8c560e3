#!/bin/bash
# Round 78, branch c2order78: this branch's slot (03:58-04:08 UTC). Sleeps until START (default 03:58:00 today), then one
# bench/cpu/ab-slot.sh series of the signed guest to "BENCH-INFO tainted" with three launchers a round, their order
# turning: main's build, this branch's jar with hotC2Kernel and the early look (round 77's ecdsa77 form, no order), and
# the same with the order for C2's slot. Usage: slot-round78-c2order78.sh [OUT] [START] [END]
set -u
cd /work/wt-c2order78
OUTDIR=${1:-bench/results/round78-c2order78/slot}
START=${2:-03:58:00}
ENDT=${3:-04:07:20}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}')"
K="-Dvmckpt.jit.hotC2Kernel=true -Dvmckpt.jit.hotC2KernelEarly=2000000"
A="main=/tmp/mainroot78/vmckpt" B="kernel=/work/wt-c2order78/vmckpt,$K" C="order=/work/wt-c2order78/vmckpt,$K -Dvmckpt.jit.hotC2Order=true" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=30 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
