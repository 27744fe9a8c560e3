#!/bin/bash
# round 63 tier63: the slot's remaining minutes (the first script ended at 04:16:02): the same launchers, other orders.
cd /work/wt-tier63
R=bench/results
BASE="base=/tmp/mainroot63/vmckpt"
RQ="rq=./vmckpt,-Dvmckpt.jit.hotRequeue=true"
RQML="rqml=./vmckpt,-Dvmckpt.jit.hotRequeue=true,-Dvmckpt.jit.missLeaves=true"
RQMLS="rqml=./vmckpt,-Dvmckpt.jit.hotRequeue=true -Dvmckpt.jit.missLeaves=true"
END=$(date -u -d 'today 04:22:50' +%s)
fits() { [ $(( $(date -u +%s) + $1 )) -le $END ]; }
stamp() { echo "== $(date -u +%H:%M:%S) $(cat /proc/loadavg) $*"; }
series() { # NAME ESTIMATE-SECONDS COMMAND...
    local name=$1 est=$2; shift 2
    if ! fits $est; then stamp "skip $name (estimate $est s)"; return; fi
    stamp "start $name"
    XDG_RUNTIME_DIR=$(mktemp -d) "$@" --json $R/$name-round63-tier63.json 2>&1 | tee $R/$name-round63-tier63.txt
    stamp "end $name"
}
{
series compute-ab-4 110 python3 bench/cpu/compute-ab.py 2 --launcher "$RQML" --launcher "$BASE" --launcher "$RQ"
series threads-signed-4 90 python3 bench/cpu/threads.py 6 --guest signed --launcher "$RQ" --launcher "$RQMLS" --launcher "$BASE"
series threads-default-2 60 python3 bench/cpu/threads.py 6 --guest default --launcher "$RQMLS" --launcher "$RQ" --launcher "$BASE"
} 2>&1 | tee $R/ab-log2-round63-tier63.txt
