#!/bin/bash
# Round 61, brief61's quiet slot (22:38-22:56 UTC): base = main (/tmp/mainroot61), new = this branch (the dispatcher's
# counts), brief = this branch with the brief-run rule alone (-Dvmckpt.jit.hotBriefRuns=50). Each series starts only if
# its estimate ends before the slot does, and is cut at the slot's end (timeout). The launcher order turns between series.
cd /work/wt-brief61
END=$(date -u -d 'today 22:56:00' +%s)
OUT=bench/results
LOG=$OUT/slot-round61-brief61.log
BASE=base=/tmp/mainroot61/vmckpt
NEW=new=./vmckpt
BRIEF=brief=./vmckpt,-Dvmckpt.jit.hotBriefRuns=50
export XDG_CACHE_HOME_FOR_RUN=/tmp/b61/cache

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round61-brief61.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}

echo "slot start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
series threads-S1 100 python3 bench/cpu/threads.py 5 --guest signed --launcher $BASE --launcher $NEW --launcher $BRIEF \
    --json $OUT/threads-S1-round61-brief61.json
series run-R1 330 env XDG_CACHE_HOME=$XDG_CACHE_HOME_FOR_RUN python3 bench/cpu/run.py 2 --no-qemu --modes default \
    --guests default,signed --launcher $BRIEF --launcher $NEW --launcher $BASE --work /tmp/b61/work-R1
cp /tmp/b61/work-R1/cpu.json $OUT/run-R1-round61-brief61.json 2>/dev/null
series compute-C1 180 python3 bench/cpu/compute-ab.py 3 --launcher $NEW --launcher $BASE --launcher $BRIEF \
    --json $OUT/compute-C1-round61-brief61.json
series threads-S2 100 python3 bench/cpu/threads.py 5 --guest signed --launcher $BRIEF --launcher $NEW --launcher $BASE \
    --json $OUT/threads-S2-round61-brief61.json
series run-R2 170 env XDG_CACHE_HOME=$XDG_CACHE_HOME_FOR_RUN python3 bench/cpu/run.py 2 --no-qemu --modes default \
    --guests default --launcher $BASE --launcher $BRIEF --launcher $NEW --work /tmp/b61/work-R2
cp /tmp/b61/work-R2/cpu.json $OUT/run-R2-round61-brief61.json 2>/dev/null
series threads-D1 60 python3 bench/cpu/threads.py 4 --guest default --launcher $NEW --launcher $BRIEF --launcher $BASE \
    --json $OUT/threads-D1-round61-brief61.json
series threads-S3 100 python3 bench/cpu/threads.py 5 --guest signed --launcher $NEW --launcher $BASE --launcher $BRIEF \
    --json $OUT/threads-S3-round61-brief61.json
echo "slot done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
