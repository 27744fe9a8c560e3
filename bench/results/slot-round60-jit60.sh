#!/bin/bash
# round 60 jit60: A/B in the jit60 slot (19:10-19:28 UTC); base = /tmp/mainroot60 (main d44ee22),
# new = this branch with the profile window and the brief-run rule. Each step starts only before its latest start and is
# cut at 19:27:45 (the slot ends at 19:28).
cd /work/wt-jit60
R=bench/results
BASE="base=/tmp/mainroot60/vmckpt"
NEW="new=./vmckpt,-Dvmckpt.jit.hotProfileRuns=5000 -Dvmckpt.jit.hotBriefRuns=50"
END=$(date -u -d 19:27:45 +%s)
st() { date -u; cat /proc/loadavg; }
step() { # name, latest start (HH:MM:SS UTC), output base name, script, args...
    n=$1; latest=$2; out=$3; shift 3
    if [ "$(date -u +%s)" -ge "$(date -u -d "$latest" +%s)" ]; then echo "== $n skipped (past $latest)"; return; fi
    st; echo "== $n"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - $(date -u +%s))) python3 "$@" --launcher "$BASE" --launcher "$NEW" \
        --json $R/$out.json 2>&1 | tee $R/$out.txt
}
step S1 19:13:00 threads-signed-round60-jit60-1 bench/cpu/threads.py 8 --guest signed
step C1 19:16:00 compute-ab-round60-jit60-1 bench/cpu/compute-ab.py 4
step S2 19:21:00 threads-signed-round60-jit60-2 bench/cpu/threads.py 8 --guest signed
step C2 19:22:30 compute-ab-round60-jit60-2 bench/cpu/compute-ab.py 3
step D1 19:25:00 threads-default-round60-jit60-1 bench/cpu/threads.py 3 --guest default
step S3 19:25:15 threads-signed-round60-jit60-3 bench/cpu/threads.py 4 --guest signed
st
