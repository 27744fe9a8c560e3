#!/bin/bash
# round 60 jit60: the slot's last minutes: the default compute phase, base / new / brief once more
cd /work/wt-jit60
R=bench/results
END=$(date -u -d 19:27:45 +%s)
st() { date -u; cat /proc/loadavg; }
st; echo "== C4"
XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - $(date -u +%s))) python3 bench/cpu/compute-ab.py 2 --launcher base=/tmp/mainroot60/vmckpt \
    --launcher "new=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000 -Dvmckpt.jit.hotBriefRuns=50" --launcher "brief=./vmckpt,-Dvmckpt.jit.hotBriefRuns=50" \
    --json $R/compute-ab-round60-jit60-4.json 2>&1 | tee $R/compute-ab-round60-jit60-4.txt
st
