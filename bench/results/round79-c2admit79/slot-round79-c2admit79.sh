#!/bin/bash
# Round 79, branch c2admit79: this branch's slot (07:08-07:16 UTC). Sleeps until START (default 07:08:00 today), then one
# bench/cpu/ab-slot.sh series of the signed guest to "BENCH-INFO tainted" with three launchers a round, their order
# turning: main's build (/tmp/mainroot79, 94b8d17b), this branch's jar with hotC2Kernel and the early look (round 77's
# ecdsa77 form: the path the rule acts on), and the same with the admission rule for C2's slot (-Dvmckpt.jit.hotC2Admit).
# Usage: slot-round79-c2admit79.sh [OUT] [START] [END]
set -u
cd /work/wt-c2admit79
OUTDIR=${1:-bench/results/round79-c2admit79/slot}
START=${2:-07:08:00}
ENDT=${3:-07:15:40}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}')"
K="-Dvmckpt.jit.hotC2Kernel=true -Dvmckpt.jit.hotC2KernelEarly=2000000"
A="main=/tmp/mainroot79/vmckpt" B="kernel=/work/wt-c2admit79/vmckpt,$K" C="admit=/work/wt-c2admit79/vmckpt,$K -Dvmckpt.jit.hotC2Admit=true" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=25 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
