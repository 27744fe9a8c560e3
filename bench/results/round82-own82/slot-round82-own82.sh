#!/bin/bash
# Round 82, branch own82: this branch's slot (15:55-16:05 UTC). Sleeps until START (default 15:55:00 today), then one
# bench/cpu/ab-slot.sh series, two launchers a round, their order turning, the guests taking turns signed, signed, default
# (two signed pairs for one default pair), each run to "BENCH-INFO tainted" (the boot to /init and the module phase):
#   main    main's build (/tmp/mainroot82/vmckpt, fdb433c2, jar md5 70ca9040; its defaults: conflictWays=256, lazyAhead)
#   t1      this branch's jar with the translator's own code at tier 1 at once (-Dvmckpt.jit.translatorTier1=true)
# Then pairs.py's tables for the translator thread's CPU and the phases' wall besides ab-slot's run, C1 and C2.
# Usage: slot-round82-own82.sh [OUT] [START] [END]
set -u
cd /work/wt-own82
OUTDIR=${1:-bench/results/round82-own82/slot}
START=${2:-15:55:00}
ENDT=${3:-16:04:25}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot82/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot82/vmckpt" B="t1=/work/wt-own82/vmckpt,-Dvmckpt.jit.translatorTier1=true" \
GUESTS="signed signed default" MARK="BENCH-INFO tainted" EST=25 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
python3 bench/cpu/pairs.py "$OUTDIR"/R*.json --a main --b t1 --metric translator > "$OUTDIR/pairs-translator.txt"
python3 bench/cpu/pairs.py "$OUTDIR"/R*.json --a main --b t1 --metric wall > "$OUTDIR/pairs-wall.txt"
echo "# $(date -u +%H:%M:%S) done"
