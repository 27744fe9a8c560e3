#!/bin/bash
# Round 66, trips66's quiet slot (13:45-14:00 UTC). base = main (/tmp/mainroot66) with access groups on (both sides:
# groups66 may turn them on); le = this branch's jar with access groups and loop exit paths in hot-tier builds
# (-Dvmckpt.jit.loopExits=hot; off, the jar's code is main's). Each series starts only if its estimate ends before the
# slot does, and is cut at the slot's end (timeout). The launcher order turns between series. micro: UnitCodeBench
# kernelSha (the kernel's own sha256_transform_blocks, hot tier, this branch's classes frozen in /tmp/trips66) with
# loop exits off and hot, interleaved.
cd /work/wt-trips66
END=$(date -u -d 'today 13:59:40' +%s)
OUT=bench/results
LOG=$OUT/slot-round66-trips66.log
BASE=base=/tmp/mainroot66/vmckpt,-Dvmckpt.jit.accessGroups=true
LE=le=./vmckpt,"-Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.loopExits=hot"

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round66-trips66.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}


# (the second part of the slot, after the first script's series ended at 13:51: more pairs in the time left)
echo "== slot part 2 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
series S6 130 python3 bench/cpu/threads.py 6 --guest signed --launcher "$LE" --launcher $BASE --json $OUT/threads-S6-round66-trips66.json
series D3 90 python3 bench/cpu/threads.py 4 --guest default --launcher "$LE" --launcher $BASE --json $OUT/threads-D3-round66-trips66.json
series micro3 40 bench/results/micro-round66-trips66.sh
series S7 130 python3 bench/cpu/threads.py 6 --guest signed --launcher $BASE --launcher "$LE" --json $OUT/threads-S7-round66-trips66.json
series S8 130 python3 bench/cpu/threads.py 6 --guest signed --launcher "$LE" --launcher $BASE --json $OUT/threads-S8-round66-trips66.json
echo "== slot part 2 done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
