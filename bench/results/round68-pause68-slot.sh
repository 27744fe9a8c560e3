#!/bin/bash
# Round 68, pause68's quiet slot (20:29-20:46 UTC): main (/tmp/mainroot68) against this branch with the guest's thread
# under SCHED_FIFO for each capture (-Dvmckpt.capture.realtime=true), one VM at a time, the default guest's memdirty
# (256 MiB at 10%/s, 1 GiB) with a live checkpoint every second (--checkpoint-every 1s), RUN_S seconds each, in the order
# RUNS (default new main main new: both orders). As round 67's pause67 slot (round67-pause67-slot.sh): the console
# timestamped (round66-gc66-stamp.py; memdirty's heartbeats), gc.log and sp.log with wall-clock times, the repository.
# A run starts only if it can end before the slot does. Stats by bench/CheckpointStats.java after the slot; summarised
# by round68-pause68-slotsum.py.
cd /work/wt-pause68
S=${S:-/tmp/p68/slot}; mkdir -p $S
END=$(date -u -d "today ${SLOT_END:-20:46}" +%s)
RUN_S=${RUN_S:-225}
log=$S/slot.log
MAIN=/tmp/mainroot68/vmckpt; MINE=/work/wt-pause68/vmckpt
stamp() { echo "=== $* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
run() { # TAG LAUNCHER EXTRA-JAVA-OPTS
    local D=$S/$1; rm -rf $D; mkdir -p $D
    [ $(( $(date +%s) + RUN_S + 12 )) -le $END ] || { stamp "$1 not started: no room"; return; }
    stamp "$1 start"
    XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_HEAP=full \
    VMCKPT_JAVA_OPTS="$3 -Xlog:gc*:file=$D/gc.log:time,uptimemillis -Xlog:safepoint:file=$D/sp.log:time" \
        timeout -s INT $RUN_S $2 run --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo \
        2> $D/err.txt | python3 -u bench/results/round66-gc66-stamp.py > $D/out.txt
    stamp "$1 end rc=${PIPESTATUS[0]}"
}
stamp "slot start"
i=0
for r in ${RUNS:-new main main new}; do
    i=$((i + 1))
    case $r in
        main) run $i-main $MAIN "" ;;
        new) run $i-new $MINE "-Dvmckpt.capture.realtime=true" ;;
    esac
done
stamp "slot end"
