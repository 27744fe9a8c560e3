#!/bin/bash
# Round 67, pause67's quiet slot (17:24-17:42 UTC): main (/tmp/mainroot67) against this branch, one VM at a time, the
# default guest's memdirty (256 MiB at 10%/s, 1 GiB) with a live checkpoint every second (--checkpoint-every 1s), RUN_S
# seconds each, in the order RUNS (default mine main main mine: both orders). As round 66's gc66 slot, plus the
# collector's and safepoints' logs with wall-clock times (ms) to place them against each checkpoint's pause. Each run: the
# console timestamped (round66-gc66-stamp.py; memdirty's heartbeats), gc.log, sp.log, the repository. A run starts only
# if it can end before the slot does. Summarised by round67-pause67-slotsum.py.
cd /work/wt-pause67
S=${S:-/tmp/p67/slot}; mkdir -p $S
END=$(date -u -d "today ${SLOT_END:-17:42}" +%s)
RUN_S=${RUN_S:-230}
log=$S/slot.log
MAIN=/tmp/mainroot67/vmckpt; MINE=/work/wt-pause67/vmckpt
stamp() { echo "=== $* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
run() { # TAG LAUNCHER
    local D=$S/$1; rm -rf $D; mkdir -p $D
    [ $(( $(date +%s) + RUN_S + 12 )) -le $END ] || { stamp "$1 not started: no room"; return; }
    stamp "$1 start"
    XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_HEAP=full \
    VMCKPT_JAVA_OPTS="-Xlog:gc*:file=$D/gc.log:time,uptimemillis -Xlog:safepoint:file=$D/sp.log:time" \
        timeout -s INT $RUN_S $2 run --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo \
        2> $D/err.txt | python3 -u bench/results/round66-gc66-stamp.py > $D/out.txt
    stamp "$1 end rc=${PIPESTATUS[0]}"
}
stamp "slot start"
i=0
for r in ${RUNS:-mine main main mine}; do
    i=$((i + 1))
    case $r in
        main) run $i-main $MAIN ;;
        mine) run $i-mine $MINE ;;
    esac
done
stamp "slot end"
