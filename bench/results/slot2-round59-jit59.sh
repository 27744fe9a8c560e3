#!/bin/sh
# round 59 jit59, the slot's last minutes: the window with the run-length rule (hotMinRun=100) against base
cd /work/wt-jit59
R=bench/results
st() { date -u; cat /proc/loadavg; }
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/compute-ab.py 3 --launcher base=/tmp/mainroot59/vmckpt --launcher "nm=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000,-Dvmckpt.jit.hotMinRun=100" \
    --json $R/compute-ab-round59-jit59-3.json 2>&1 | tee $R/compute-ab-round59-jit59-3.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 4 --guest signed --launcher base=/tmp/mainroot59/vmckpt --launcher "nm=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000 -Dvmckpt.jit.hotMinRun=100" \
    --json $R/threads-signed-round59-jit59-4.json 2>&1 | tee $R/threads-signed-round59-jit59-4.txt
st
