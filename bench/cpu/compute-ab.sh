#!/bin/bash
# Round 83 (gzip83): a slot's A/B series for the compute phase, in one command (the form of round 82's
# bench/results/round82-gzip82/slot-round82-gzip82.sh, kept here as a tool instead of a per-round copy).
# Sleeps until START (HH:MM:SS UTC today; none: at once), then one bench/cpu/ab-slot.sh series to MARK (default
# "BENCH-MARK fork-start": the boot, the module phase, benchtool gen and the compute phase; the fork phase left out for
# more rounds), the guests of GUESTS (default "signed default") taking turns, A's and B's order turning (ab-slot.sh's
# rule), the canary on, until END (ab-slot.sh's END: no round starts unless now + EST seconds is before it, every run
# stopped at END + 8 s). Then, besides ab-slot.sh's tables of the run thread, C1 and C2 by phase (pairs-run.txt,
# pairs-C1.txt, pairs-C2.txt), pairs.py's tables of every phase and of the compute phase's parts (--phases boot,modules,
# gen,sha256,gzip,compute: benchtool gen, sha256sum's part, gzip's part) for the run thread, C1, C2, the wall and the
# collector (parts-run.txt, parts-C1.txt, parts-C2.txt, parts-wall.txt, parts-gc.txt: pairs, B lower, medians, the
# same without the canary's slow-host pairs, every pair, the first run of each launcher per guest), and round 81's
# parts script's table (parts.txt, with the prefault thread's CPU).
#
#   A="main=/tmp/mainroot85/vmckpt" B="sw=/tmp/mainroot85/vmckpt,-Dvmckpt.jit.jalrSecondWay=true" \
#   OUT=/tmp/compute-sw START=18:55:02 END=19:10:30 bench/cpu/compute-ab.sh > /tmp/compute-sw.log 2>&1
# (round 83's slot ran it with gzip83's switches, since retired: bench/results/round83-gzip83/slot.log)
set -u
cd "$(dirname "$0")/../.."
: "${A:?A=NAME=PATH[,JAVA_OPTS]}" "${B:?B=NAME=PATH[,JAVA_OPTS]}" "${OUT:?OUT=a directory}" "${END:?END=HH:MM:SS (UTC)}"
START=${START:-}
if [ -n "$START" ]; then
    start=$(bench/at-time.sh "$START")
    now=$(date +%s)
    if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD)"
A="$A" B="$B" GUESTS="${GUESTS:-signed default}" MARK="${MARK:-BENCH-MARK fork-start}" EST="${EST:-52}" OUT="$OUT" END="$END" \
    bench/cpu/ab-slot.sh
a=${A%%=*}; b=${B%%=*}
ls "$OUT"/R*.json >/dev/null 2>&1 || exit 1
for m in run C1 C2 wall gc; do
    python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$a" --b "$b" --metric $m --phases boot,modules,gen,sha256,gzip,compute > "$OUT/parts-$m.txt"
done
python3 bench/results/round81-compute81/parts-round81-compute81.py "$OUT"/R*.json --a "$a" --b "$b" > "$OUT/parts.txt"
echo "# $(date -u +%H:%M:%S) done"
