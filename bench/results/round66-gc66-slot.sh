#!/bin/bash
# Round 66, gc66's quiet slot (14:15-14:30 UTC): main (/tmp/mainroot66) against this branch, one VM at a time, a live
# checkpoint every second (--checkpoint-every 1s): the default guest's memdirty (256 MiB at 10%/s, 1 GiB) for RUN_S
# seconds each (main, gc66), then the signed CPU-benchmark guest to its end (gc66, main; at most SIGNED_S s each).
# Each run: the VM's -Xlog:gc* log, its console timestamped (round66-gc66-stamp.py), its repository. A run is started
# only if it can end before the slot does. Summarised by round66-gc66-slotsum.py.
cd /work/wt-gc66
S=${S:-/tmp/gc66/slot}; mkdir -p $S
END=$(date -u -d "today ${SLOT_END:-14:30}" +%s)
RUN_S=${RUN_S:-210}; SIGNED_S=${SIGNED_S:-150}
log=$S/slot.log
MAIN=/tmp/mainroot66/vmckpt; MINE=/work/wt-gc66/vmckpt
G=$HOME/.cache/vmckpt/bench-cpu/signed
stamp() { echo "=== $* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
run() { # TAG LAUNCHER SECONDS GUEST
    local D=$S/$1; rm -rf $D; mkdir -p $D
    [ $(( $(date +%s) + $3 + 15 )) -le $END ] || { stamp "$1 not started: no room"; return; }
    stamp "$1 start"
    if [ $4 = default ]; then
        args="--workload memdirty,256,10,100"
    else
        args="--kernel $G/Image --initrd $G/initramfs.cpio.gz --append $(printf %q "$(cat $G/cmdline)")"
    fi
    eval XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_HEAP=full VMCKPT_JAVA_OPTS="-Xlog:gc*:file=$D/gc.log:uptimemillis" \
        timeout -s INT $3 $2 run --mem 1G $args --checkpoint-every 1s --repo $D/repo 2> $D/err.txt \
        | python3 -u bench/results/round66-gc66-stamp.py > $D/out.txt
    stamp "$1 end rc=${PIPESTATUS[0]}"
}
stamp "slot start"
for r in ${RUNS:-default-main default-gc66 signed-gc66 signed-main}; do
    case $r in
        default-main) run $r $MAIN $RUN_S default ;;
        default-gc66) run $r $MINE $RUN_S default ;;
        signed-gc66) run $r $MINE $SIGNED_S signed ;;
        signed-main) run $r $MAIN $SIGNED_S signed ;;
    esac
done
stamp "slot end"
