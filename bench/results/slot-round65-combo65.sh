#!/bin/bash
# Round 65, combo65's quiet slot (10:20-10:36 UTC): base = main (/tmp/mainroot65), all = this branch's jar with access
# groups (their per-access fallback; none in C1 units that leave before a miss), compactEmit and compactMissLeaves on;
# gc = the same jar with access groups and compactEmit only (compactMissLeaves off). Off, the jar's code is main's.
# Each series starts only if its estimate ends before the slot does, and is cut at the slot's end (timeout).
# The launcher order turns between series.
cd /work/wt-combo65
END=$(date -u -d 'today 10:35:40' +%s)
OUT=bench/results
LOG=$OUT/slot-round65-combo65.log
BASE=base=/tmp/mainroot65/vmckpt
ALL="all=./vmckpt,-Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.compactEmit=true -Dvmckpt.jit.compactMissLeaves=true"
ALLC="all=./vmckpt,-Dvmckpt.jit.accessGroups=true,-Dvmckpt.jit.compactEmit=true,-Dvmckpt.jit.compactMissLeaves=true"
GC="gc=./vmckpt,-Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.compactEmit=true"
GCC="gc=./vmckpt,-Dvmckpt.jit.accessGroups=true,-Dvmckpt.jit.compactEmit=true"

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round65-combo65.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}

echo "slot start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) HEAD $(git rev-parse --short HEAD) jar md5 $(md5sum cli/target/vmckpt.jar | cut -c1-8) base jar md5 $(md5sum /tmp/mainroot65/cli/target/vmckpt.jar | cut -c1-8)" | tee -a $LOG
pgrep -af vmckpt.jar | tee -a $LOG
series cpu-R1 160 python3 bench/cpu/run.py 1 --modes jit --no-qemu --launcher $BASE --launcher "$ALL" --launcher "$GC" --work /tmp/c65/R1
cp /tmp/c65/R1/cpu.json $OUT/cpu-R1-round65-combo65.json 2>/dev/null
series threads-S1 130 python3 bench/cpu/threads.py 4 --guest signed --launcher "$ALL" --launcher "$GC" --launcher $BASE \
    --json $OUT/threads-S1-round65-combo65.json
series cpu-R2 160 python3 bench/cpu/run.py 1 --modes jit --no-qemu --launcher "$GC" --launcher "$ALL" --launcher $BASE --work /tmp/c65/R2
cp /tmp/c65/R2/cpu.json $OUT/cpu-R2-round65-combo65.json 2>/dev/null
series compute-CS 80 python3 bench/cpu/compute-ab.py 1 --guest signed --launcher $BASE --launcher "$GCC" --launcher "$ALLC" \
    --json $OUT/compute-CS-round65-combo65.json
series threads-D1 90 python3 bench/cpu/threads.py 3 --guest default --launcher "$GC" --launcher $BASE --launcher "$ALL" \
    --json $OUT/threads-D1-round65-combo65.json
series compute-CD 80 python3 bench/cpu/compute-ab.py 1 --launcher "$ALLC" --launcher $BASE --launcher "$GCC" \
    --json $OUT/compute-CD-round65-combo65.json
series cpu-R3 160 python3 bench/cpu/run.py 1 --modes jit --no-qemu --launcher $BASE --launcher "$GC" --launcher "$ALL" --work /tmp/c65/R3
cp /tmp/c65/R3/cpu.json $OUT/cpu-R3-round65-combo65.json 2>/dev/null
series threads-S2 100 python3 bench/cpu/threads.py 3 --guest signed --launcher $BASE --launcher "$GC" --launcher "$ALL" \
    --json $OUT/threads-S2-round65-combo65.json
series compute-CS2 80 python3 bench/cpu/compute-ab.py 1 --guest signed --launcher "$ALLC" --launcher "$GCC" --launcher $BASE \
    --json $OUT/compute-CS2-round65-combo65.json
echo "slot done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
