#!/bin/bash
# round 63 tier63: A/B in the tier63 slot (04:05-04:23 UTC). base = main (/tmp/mainroot63), rq = this branch with
# -Dvmckpt.jit.hotRequeue=true, rqml = rq with -Dvmckpt.jit.missLeaves=true. A series starts only if its estimate ends
# before 04:22:50. compute-ab.py takes JAVA_OPTS comma-separated, threads.py space-separated.
cd /work/wt-tier63
R=bench/results
BASE="base=/tmp/mainroot63/vmckpt"
RQ="rq=./vmckpt,-Dvmckpt.jit.hotRequeue=true"
RQML="rqml=./vmckpt,-Dvmckpt.jit.hotRequeue=true,-Dvmckpt.jit.missLeaves=true"
RQMLS="rqml=./vmckpt,-Dvmckpt.jit.hotRequeue=true -Dvmckpt.jit.missLeaves=true"
END=$(date -u -d 'today 04:22:50' +%s)
START=$(date -u -d 'today 04:05:00' +%s)
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
while [ $(date -u +%s) -lt $START ]; do sleep 1; done
series compute-ab-1 200 python3 bench/cpu/compute-ab.py 3 --launcher "$BASE" --launcher "$RQ" --launcher "$RQML"
series threads-signed-1 150 python3 bench/cpu/threads.py 6 --guest signed --launcher "$BASE" --launcher "$RQ" --launcher "$RQMLS"
series compute-ab-2 200 python3 bench/cpu/compute-ab.py 3 --launcher "$RQML" --launcher "$RQ" --launcher "$BASE"
series threads-signed-2 150 python3 bench/cpu/threads.py 6 --guest signed --launcher "$RQMLS" --launcher "$RQ" --launcher "$BASE"
series threads-default-1 130 python3 bench/cpu/threads.py 6 --guest default --launcher "$BASE" --launcher "$RQ" --launcher "$RQMLS"
series compute-ab-3 140 python3 bench/cpu/compute-ab.py 2 --launcher "$BASE" --launcher "$RQ" --launcher "$RQML"
series threads-signed-3 80 python3 bench/cpu/threads.py 3 --guest signed --launcher "$BASE" --launcher "$RQ" --launcher "$RQMLS"
} 2>&1 | tee $R/ab-log-round63-tier63.txt
