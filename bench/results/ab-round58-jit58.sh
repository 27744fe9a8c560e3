#!/bin/sh
# round 58 jit58: A/B in the jit58 slot (13:52-14:14 UTC)
cd /work/wt-jit58
R=bench/results
ML="ml=./vmckpt,-Dvmckpt.jit.missLeaves=true"
MLT="mlt=./vmckpt,-Dvmckpt.jit.missLeaves=true,-Dvmckpt.jit.uncheckedTlb=true,-Dvmckpt.jit.contextLocal=true,-Dvmckpt.jit.pruneUnreachable=true,-Dvmckpt.jit.uncheckedTlbLimit=8000"
MLTS="mlt=./vmckpt,-Dvmckpt.jit.missLeaves=true -Dvmckpt.jit.uncheckedTlb=true -Dvmckpt.jit.contextLocal=true -Dvmckpt.jit.pruneUnreachable=true -Dvmckpt.jit.uncheckedTlbLimit=8000"
date -u; cat /proc/loadavg
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/compute-ab.py 5 --launcher base=/tmp/mainroot58/vmckpt --launcher "$ML" --launcher "$MLT" \
    --json $R/compute-ab-round58-jit58-1.json 2>&1 | tee $R/compute-ab-round58-jit58-1.txt
date -u; cat /proc/loadavg
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 6 --guest signed --launcher base=/tmp/mainroot58/vmckpt --launcher "$ML" --launcher "$MLTS" \
    --json $R/threads-signed-round58-jit58-1.json 2>&1 | tee $R/threads-signed-round58-jit58-1.txt
date -u; cat /proc/loadavg
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/compute-ab.py 5 --launcher base=/tmp/mainroot58/vmckpt --launcher "$ML" --launcher "$MLT" \
    --json $R/compute-ab-round58-jit58-2.json 2>&1 | tee $R/compute-ab-round58-jit58-2.txt
date -u; cat /proc/loadavg
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 6 --guest signed --launcher base=/tmp/mainroot58/vmckpt --launcher "$ML" --launcher "$MLTS" \
    --json $R/threads-signed-round58-jit58-2.json 2>&1 | tee $R/threads-signed-round58-jit58-2.txt
date -u; cat /proc/loadavg
