#!/bin/bash
# Round 82, branch gzip82: this branch's slot (16:05-16:15 UTC). Sleeps until START (default 16:05:02 today), then one
# bench/cpu/ab-slot.sh series to "BENCH-MARK fork-start" (boot, module phase, benchtool gen, the compute phase; the fork
# phase left out for more rounds), the signed and the default guest taking turns, two launchers a round, their order
# turning (ab-slot.sh's rule):
#   main  main's build (/tmp/mainroot82, fdb433c2), its defaults
#   pc2   this branch's jar with the user-mode profile window (-Dvmckpt.jit.hotProfileC2=500000)
# Then pairs.py's tables (run thread, C1, C2 by ab-slot.sh; here the wall and the collector's CPU) and the compute
# phase's parts (gen, sha256, gzip) by round 81's parts script.
# Usage: slot-round82-gzip82.sh [OUT] [START] [END]
set -u
cd /work/wt-gzip82
OUTDIR=${1:-bench/results/round82-gzip82/slot}
START=${2:-16:05:02}
ENDT=${3:-16:14:10}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot82/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot82/vmckpt" B="pc2=/work/wt-gzip82/vmckpt,-Dvmckpt.jit.hotProfileC2=500000" \
GUESTS="signed default" MARK="BENCH-MARK fork-start" EST=${EST:-52} OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
for m in wall gc; do python3 bench/cpu/pairs.py "$OUTDIR"/R*.json --a main --b pc2 --metric $m > "$OUTDIR/pairs-$m.txt"; done
python3 bench/results/round81-compute81/parts-round81-compute81.py "$OUTDIR"/R*.json --a main --b pc2 > "$OUTDIR/parts.txt"
echo "# $(date -u +%H:%M:%S) done"
