#!/bin/bash
# Round 81, branch lukewarm81: this branch's slot (12:45-12:55 UTC). Sleeps until START (default 12:45:00 today), then one
# bench/cpu/ab-slot.sh series, two launchers a round, their order turning, the guests taking turns signed, signed, default
# (two signed pairs for one default pair), each run to "BENCH-INFO tainted" (the boot to /init and the module phase):
#   main    main's build (/tmp/mainroot81/vmckpt, ef2930e4, jar md5 cff4fbe3; its defaults: conflictWays=256, lazyAhead)
#   cap4000 this branch's jar with C1 units' bytecode bound (-Dvmckpt.jit.c1MaxBytecode=4000)
# Usage: slot-round81-lukewarm81.sh [OUT] [START] [END]
set -u
cd /work/wt-lukewarm81
OUTDIR=${1:-bench/results/round81-lukewarm81/slot}
START=${2:-12:45:00}
ENDT=${3:-12:54:35}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot81/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot81/vmckpt" B="cap4000=/work/wt-lukewarm81/vmckpt,-Dvmckpt.jit.c1MaxBytecode=4000" \
GUESTS="signed signed default" MARK="BENCH-INFO tainted" EST=25 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
