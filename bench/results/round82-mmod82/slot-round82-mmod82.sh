#!/bin/bash
# Round 82, branch mmod82: this branch's slot (16:15-16:24 UTC). Sleeps until START (default 16:15:00 today), then two
# bench/cpu/ab-slot.sh series against main's build, one round at a time, the order turning every round:
#   1. the signed guest to "BENCH-INFO tainted" (the boot to /init and the module phase), three launchers, until END1
#   2. the signed guest to BENCH-DONE (all four phases: the compute and fork phases too), main and pageRegs, until END2
#   main       main's build (/tmp/mainroot82, fdb433c2, jar md5 70ca9040; the defaults)
#   pageRegs   this branch's jar with -Dvmckpt.jit.pageRegs=4 (outline refill, the groups give way; hot-tier builds only)
#   basePages  main's build with round 35's -Dvmckpt.jit.basePages=4 (hot-tier builds only)
# Usage: slot-round82-mmod82.sh [OUT] [START] [END1] [END2]
set -u
cd /work/wt-mmod82
OUTDIR=${1:-bench/results/round82-mmod82/slot}
START=${2:-16:15:00}
END1=${3:-16:20:40}
END2=${4:-16:23:50}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot82/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot82/vmckpt" B="pageRegs=/work/wt-mmod82/vmckpt,-Dvmckpt.jit.pageRegs=4" C="basePages=/tmp/mainroot82/vmckpt,-Dvmckpt.jit.basePages=4" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=40 OUT="$OUTDIR/modules" END="$END1" bench/cpu/ab-slot.sh
A="main=/tmp/mainroot82/vmckpt" B="pageRegs=/work/wt-mmod82/vmckpt,-Dvmckpt.jit.pageRegs=4" \
GUESTS=signed MARK="BENCH-DONE" EST=50 OUT="$OUTDIR/done" END="$END2" bench/cpu/ab-slot.sh
echo "# $(date -u +%H:%M:%S) done"
