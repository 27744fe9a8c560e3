#!/bin/bash
# Round 65, heap65's quiet slot (11:08-11:24 UTC): (A) the freeze pause of two builds of one commit (main's f04bbfd9:
# /tmp/mainroot65 and a fresh build of the same commit in /tmp/heap65-base), interleaved pairs of bench/restore.py's
# first + 3 later live checkpoints of a fresh memdirty VM; (B) main against this branch, one VM each, ~70 live
# checkpoints a second apart with a -Xlog:gc* log (old-generation growth per checkpoint, collector time, stall, pause).
# A run is started only if it can end before the slot does.
cd /work/wt-heap65
S=/tmp/heap65/slot; mkdir -p $S
END=$(date -u -d 'today 11:24' +%s); A_END=$(date -u -d 'today 11:15' +%s)
log=$S/slot.log
MAIN=/tmp/mainroot65/cli/target/vmckpt.jar; BASE=/tmp/heap65-base/cli/target/vmckpt.jar; MINE=/work/wt-heap65/cli/target/vmckpt.jar
stamp() { echo "=== $* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
pause_run() { # TAG JAR PAIR
    stamp "A $1 pair $3 start"
    XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/restore.py --guest default --workloads memdirty --later 3 --restores 0 --no-qemu \
        --jar $2 --results $S/pause-$3-$1 --work $S/work >> $log 2>&1
    stamp "A $1 pair $3 end rc=$?"
}
long_run() { # TAG JAR
    stamp "B $1 start"
    XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/restore.py --guest default --workloads memdirty --later 90 --restores 0 --no-qemu \
        --jar $2 --java-opts="-Xlog:gc*:file=$S/long-$1-gc.log:uptimemillis" --results $S/long-$1 --work $S/work >> $log 2>&1
    stamp "B $1 end rc=$?"
}
stamp "slot start"
for n in ${PAIRS:-1 2 3 4}; do
    [ $(( $(date +%s) + 150 )) -le $A_END ] || break
    if [ $((n % 2)) = 1 ]; then pause_run main $MAIN $n; pause_run base $BASE $n; else pause_run base $BASE $n; pause_run main $MAIN $n; fi
done
for t in main heap65; do
    [ $(( $(date +%s) + 230 )) -le $END ] || { stamp "B $t not started: no room"; continue; }
    if [ $t = main ]; then long_run main $MAIN; else long_run heap65 $MINE; fi
done
stamp "slot end"
