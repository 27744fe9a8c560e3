#!/bin/bash
# round 60 jit60: the slot's remaining minutes (after slot-round60-jit60.sh ended at 19:20): the default compute phase
# again, with a third variant: the brief-run rule without the window (main's timed look); then signed pairs if time is left.
cd /work/wt-jit60
R=bench/results
END=$(date -u -d 19:27:45 +%s)
st() { date -u; cat /proc/loadavg; }
st; echo "== C3"
XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - $(date -u +%s))) python3 bench/cpu/compute-ab.py 2 --launcher base=/tmp/mainroot60/vmckpt \
    --launcher "new=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000 -Dvmckpt.jit.hotBriefRuns=50" --launcher "brief=./vmckpt,-Dvmckpt.jit.hotBriefRuns=50" \
    --json $R/compute-ab-round60-jit60-3.json 2>&1 | tee $R/compute-ab-round60-jit60-3.txt
if [ "$(date -u +%s)" -lt "$(date -u -d 19:25:30 +%s)" ]; then
st; echo "== S4"
XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - $(date -u +%s))) python3 bench/cpu/threads.py 4 --guest signed --launcher base=/tmp/mainroot60/vmckpt \
    --launcher "new=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000 -Dvmckpt.jit.hotBriefRuns=50" \
    --json $R/threads-signed-round60-jit60-4.json 2>&1 | tee $R/threads-signed-round60-jit60-4.txt
fi
st
