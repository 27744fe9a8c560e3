#!/bin/bash
# round 62 leave62: A/B in the leave62 slot (01:20-01:38 UTC). base = main (/tmp/mainroot62), ml = this branch with
# missLeaves, mlr = ml + the adaptive rule. A series starts only if its estimate ends before 01:37:40.
cd /work/wt-leave62
R=bench/results
BASE="base=/tmp/mainroot62/vmckpt"
ML="ml=./vmckpt,-Dvmckpt.jit.missLeaves=true"
MLR="mlr=./vmckpt,-Dvmckpt.jit.missLeaves=true,-Dvmckpt.jit.missLeavesAdaptive=true"
MLRS="mlr=./vmckpt,-Dvmckpt.jit.missLeaves=true -Dvmckpt.jit.missLeavesAdaptive=true"
END=$(date -u -d 'today 01:37:40' +%s)
fits() { [ $(( $(date -u +%s) + $1 )) -le $END ]; }
stamp() { echo "== $(date -u +%H:%M:%S) $(cat /proc/loadavg) $*"; }
series() { # NAME ESTIMATE-SECONDS COMMAND...
    local name=$1 est=$2; shift 2
    if ! fits $est; then stamp "skip $name (estimate $est s)"; return; fi
    stamp "start $name"
    XDG_RUNTIME_DIR=$(mktemp -d) "$@" --json $R/$name-round62-leave62.json 2>&1 | tee $R/$name-round62-leave62.txt
    stamp "end $name"
}
{
series threads-default-1 150 python3 bench/cpu/threads.py 6 --guest default --launcher "$BASE" --launcher "$ML" --launcher "$MLRS"
series threads-signed-1 170 python3 bench/cpu/threads.py 6 --guest signed --launcher "$BASE" --launcher "$ML" --launcher "$MLRS"
series compute-ab-1 200 python3 bench/cpu/compute-ab.py 3 --launcher "$BASE" --launcher "$ML" --launcher "$MLR"
series threads-default-2 110 python3 bench/cpu/threads.py 6 --guest default --launcher "$ML" --launcher "$BASE"
series threads-signed-2 120 python3 bench/cpu/threads.py 6 --guest signed --launcher "$ML" --launcher "$BASE"
series compute-ab-2 140 python3 bench/cpu/compute-ab.py 3 --launcher "$ML" --launcher "$BASE"
series threads-default-3 110 python3 bench/cpu/threads.py 6 --guest default --launcher "$BASE" --launcher "$ML"
series threads-signed-3 120 python3 bench/cpu/threads.py 6 --guest signed --launcher "$BASE" --launcher "$ML"
series compute-ab-3 140 python3 bench/cpu/compute-ab.py 3 --launcher "$BASE" --launcher "$ML"
series threads-default-4 110 python3 bench/cpu/threads.py 6 --guest default --launcher "$ML" --launcher "$BASE"
} 2>&1 | tee $R/ab-log-round62-leave62.txt
