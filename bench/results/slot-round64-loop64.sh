#!/bin/bash
# Round 64, loop64's quiet slot (07:46-08:04 UTC): base = main (/tmp/mainroot64), grp = this branch's jar with access
# groups on (-Dvmckpt.jit.accessGroups=true; off, the jar's code paths are main's). Each series starts only if its
# estimate ends before the slot does, and is cut at the slot's end (timeout). The launcher order turns between series.
cd /work/wt-loop64
END=$(date -u -d 'today 08:03:30' +%s)
OUT=bench/results
LOG=$OUT/slot-round64-loop64.log
BASE=base=/tmp/mainroot64/vmckpt
GRP=grp=./vmckpt,-Dvmckpt.jit.accessGroups=true

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round64-loop64.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}

echo "slot start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) jar commit $(git rev-parse --short HEAD)" | tee -a $LOG
series threads-S1 170 python3 bench/cpu/threads.py 8 --guest signed --launcher $BASE --launcher $GRP \
    --json $OUT/threads-S1-round64-loop64.json
series compute-C1 220 python3 bench/cpu/compute-ab.py 5 --launcher $GRP --launcher $BASE \
    --json $OUT/compute-C1-round64-loop64.json
series threads-S2 170 python3 bench/cpu/threads.py 8 --guest signed --launcher $GRP --launcher $BASE \
    --json $OUT/threads-S2-round64-loop64.json
series compute-C2 220 python3 bench/cpu/compute-ab.py 5 --launcher $BASE --launcher $GRP \
    --json $OUT/compute-C2-round64-loop64.json
series threads-D1 90 python3 bench/cpu/threads.py 5 --guest default --launcher $GRP --launcher $BASE \
    --json $OUT/threads-D1-round64-loop64.json
series threads-S3 130 python3 bench/cpu/threads.py 6 --guest signed --launcher $BASE --launcher $GRP \
    --json $OUT/threads-S3-round64-loop64.json
echo "slot done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
