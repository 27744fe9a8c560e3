#!/bin/sh
# round 59 jit59: A/B in the jit59 slot (16:40-17:00 UTC); base = /tmp/mainroot59 (main 021616c)
cd /work/wt-jit59
R=bench/results
NEW="new=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000"
CLIP="clip=/tmp/mainroot59/vmckpt,-XX:-ClipInlining"
st() { date -u; cat /proc/loadavg; }
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 8 --guest signed --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" --launcher "$CLIP" \
    --json $R/threads-signed-round59-jit59-1.json 2>&1 | tee $R/threads-signed-round59-jit59-1.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/compute-ab.py 4 --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" \
    --json $R/compute-ab-round59-jit59-1.json 2>&1 | tee $R/compute-ab-round59-jit59-1.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 8 --guest signed --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" \
    --json $R/threads-signed-round59-jit59-2.json 2>&1 | tee $R/threads-signed-round59-jit59-2.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 4 --guest default --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" --launcher "$CLIP" \
    --json $R/threads-default-round59-jit59-1.json 2>&1 | tee $R/threads-default-round59-jit59-1.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/compute-ab.py 4 --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" --launcher "$CLIP" \
    --json $R/compute-ab-round59-jit59-2.json 2>&1 | tee $R/compute-ab-round59-jit59-2.txt
st
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 8 --guest signed --launcher base=/tmp/mainroot59/vmckpt --launcher "$NEW" --launcher "$CLIP" \
    --json $R/threads-signed-round59-jit59-3.json 2>&1 | tee $R/threads-signed-round59-jit59-3.txt
st
