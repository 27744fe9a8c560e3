#!/bin/bash
# Round 83, branch retemit83: this branch's slot (19:11-19:18 UTC). Sleeps until START (default 19:11:02 today), then
# one bench/cpu/ab-slot.sh series to "BENCH-MARK fork-start" (boot, module phase, benchtool gen, the compute phase; the
# fork phase left out for more rounds), the signed and the default guest taking turns, two launchers a round, their
# order turning (ab-slot.sh's rule), both with their defaults:
#   main  main's build (/tmp/mainroot83, b1643ca9)
#   r83   this branch's jar (the translator's emit-side switches retired; defaults unchanged: a sanity check, expect level)
# Then pairs.py's tables (run thread, C1, C2 by ab-slot.sh; here the wall too).
# Usage: slot-round83-retemit83.sh [OUT] [START] [END]
set -u
cd /work/wt-retemit83
OUTDIR=${1:-bench/results/round83-retemit83/slot}
START=${2:-19:11:02}
ENDT=${3:-19:17:38}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot83/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot83/vmckpt" B="r83=/work/wt-retemit83/vmckpt" \
GUESTS="signed default" MARK="BENCH-MARK fork-start" EST=${EST:-75} OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
python3 bench/cpu/pairs.py "$OUTDIR"/R*.json --a main --b r83 --metric wall > "$OUTDIR/pairs-wall.txt"
echo "# $(date -u +%H:%M:%S) done"
