#!/bin/bash
# Round 79 (memrand79), the write window's count (untimed: CPU by stage and thread, faults, collector; the host's load
# is logged per restore): N rounds of bench/restore-threads.py on one memrandom checkpoint, main's jar and this
# branch's with -Dvmckpt.restore.fusedStored=true, order turning each round.
#   N=6 MINE=JAR MAIN=JAR REPO=DIR LABEL=memrandom-later-0 bash count.sh > OUT.txt 2>&1
set -u
cd "$(dirname "$0")/../../.."
for r in $(seq 1 "${N:-6}"); do
    if [ $((r % 2)) = 1 ]; then order="main mine"; else order="mine main"; fi
    for v in $order; do
        if [ $v = main ]; then j=$MAIN; o=""; else j=$MINE; o="-Dvmckpt.restore.fusedStored=true"; fi
        echo "== round $r $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
        python3 bench/restore-threads.py "$j" "$REPO" "$LABEL" $o 2>&1 | grep -E "restored .* in|time axis|before the restore|restore phases|cpu by thread|^gc"
    done
done
