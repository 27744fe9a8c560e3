#!/bin/bash
# Round 81, branch compute81: this branch's slot (13:05-13:14 UTC). Sleeps until START (default 13:05:02 today), then one
# bench/cpu/ab-slot.sh series of the signed guest to "BENCH-MARK fork-start" (boot, module phase, benchtool gen, the
# compute phase; the fork phase left out for more rounds), three launchers a round, their order turning (A,B,C / B,C,A /
# C,A,B):
#   main  main's build (/tmp/mainroot81, ef2930e4), its defaults
#   wi    this branch's jar with the prefault held off until the guest's first idle (-Dvmckpt.prefault.waitIdle=true)
#   c2d   main's build with user-mode hot builds asked of C2 at once (-Dvmckpt.jit.hotC2Direct=true, round 72-73's switch)
# Then pairs.py's tables (run thread, C1, C2 by ab-slot.sh; here the wall, the prefault thread's and the collector's CPU)
# and the compute phase's parts (gen, sha256, gzip) for main-wi and main-c2d.
# Usage: slot-round81-compute81.sh [OUT] [START] [END]
set -u
cd /work/wt-compute81
OUTDIR=${1:-bench/results/round81-compute81/slot}
START=${2:-13:05:02}
ENDT=${3:-13:13:40}
start=$(date -u -d "today $START" +%s)
now=$(date +%s)
if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD); jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar | awk '{print $6}'); main's jar $(md5sum /tmp/mainroot81/cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot81/vmckpt" B="wi=/work/wt-compute81/vmckpt,-Dvmckpt.prefault.waitIdle=true" \
C="c2d=/tmp/mainroot81/vmckpt,-Dvmckpt.jit.hotC2Direct=true" \
GUESTS="signed" MARK="BENCH-MARK fork-start" EST=58 OUT="$OUTDIR" END="$ENDT" bench/cpu/ab-slot.sh
for b in wi c2d; do
    for m in wall prefault gc; do python3 bench/cpu/pairs.py "$OUTDIR"/R*.json --a main --b $b --metric $m > "$OUTDIR/pairs-$m-main-$b.txt"; done
    python3 bench/results/round81-compute81/parts-round81-compute81.py "$OUTDIR"/R*.json --a main --b $b > "$OUTDIR/parts-main-$b.txt"
done
echo "# $(date -u +%H:%M:%S) done"
