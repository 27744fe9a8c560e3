#!/bin/bash
# Round 81, branch ecdsa81: this branch's slot (12:55-13:05 UTC). Sleeps until START (default 12:55:00 today), then two
# bench/cpu/ab-slot.sh series against main's build, one pair a round, the order turning every round:
#   1. the signed guest to "BENCH-INFO tainted" (the boot to /init and the module phase), until END1 (13:01:50)
#   2. the signed guest to BENCH-DONE (all four phases: the compute and fork phases too), until END2 (13:04:45)
#   main   main's build (/tmp/mainroot81, ef2930e4; the defaults: conflictWays=256, lazyAhead on)
#   early  this branch's jar with the early look on HotSpot's path (-Dvmckpt.jit.hotEarly=2000000; run 256, share 1/64)
# Usage: slot-round81-ecdsa81.sh [OUT] [START] [END1] [END2]
set -u
cd /work/wt-ecdsa81
OUTDIR=${1:-bench/results/round81-ecdsa81/slot}
START=${2:-12:55:00}
END1=${3:-13:01:50}
END2=${4:-13:04:45}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot81/cli/target/vmckpt.jar | cut -c1-8)"
E="-Dvmckpt.jit.hotEarly=2000000"
A="main=/tmp/mainroot81/vmckpt" B="early=/work/wt-ecdsa81/vmckpt,$E" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=25 OUT="$OUTDIR/modules" END="$END1" bench/cpu/ab-slot.sh
A="main=/tmp/mainroot81/vmckpt" B="early=/work/wt-ecdsa81/vmckpt,$E" \
GUESTS=signed MARK="BENCH-DONE" EST=50 OUT="$OUTDIR/done" END="$END2" bench/cpu/ab-slot.sh
echo "# $(date -u +%H:%M:%S) done"
