#!/bin/bash
# Round 62, dispatch62's quiet slot (01:38-01:56 UTC): base = main (/tmp/mainroot62), new = this branch (a unit's run
# count written out in Hart.run; the jalr second way off, its default), way = the same jar with the jalr exits' second
# way on (-Dvmckpt.jit.jalrSecondWay=true). Each series starts only if its estimate ends before the slot does, and is
# cut at the slot's end (timeout). The launcher order turns between series.
cd /work/wt-dispatch62
END=$(date -u -d 'today 01:56:00' +%s)
OUT=bench/results
LOG=$OUT/slot-round62-dispatch62.log
BASE=base=/tmp/mainroot62/vmckpt
NEW=new=./vmckpt
WAY=way=./vmckpt,-Dvmckpt.jit.jalrSecondWay=true

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round62-dispatch62.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}

echo "slot start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
series compute-C1 240 python3 bench/cpu/compute-ab.py 4 --launcher $BASE --launcher $NEW --launcher $WAY \
    --json $OUT/compute-C1-round62-dispatch62.json
series threads-S1 140 python3 bench/cpu/threads.py 5 --guest signed --launcher $NEW --launcher $WAY --launcher $BASE \
    --json $OUT/threads-S1-round62-dispatch62.json
series compute-C2 240 python3 bench/cpu/compute-ab.py 4 --launcher $WAY --launcher $NEW --launcher $BASE \
    --json $OUT/compute-C2-round62-dispatch62.json
series threads-S2 140 python3 bench/cpu/threads.py 5 --guest signed --launcher $WAY --launcher $BASE --launcher $NEW \
    --json $OUT/threads-S2-round62-dispatch62.json
series compute-C3 240 python3 bench/cpu/compute-ab.py 4 --launcher $NEW --launcher $BASE --launcher $WAY \
    --json $OUT/compute-C3-round62-dispatch62.json
series compute-C4 120 python3 bench/cpu/compute-ab.py 2 --launcher $BASE --launcher $WAY --launcher $NEW \
    --json $OUT/compute-C4-round62-dispatch62.json
echo "slot done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
