#!/bin/bash
# Round 68, tlbrace68's quiet slot (19:45-19:55 UTC): run-thread CPU per phase of the default guest to BENCH-DONE,
# main's jar against this branch's, interleaved (threads.py alternates launchers within a round), the order turned
# between the two series. The second series is cut at 19:54:50 (its finished runs' lines are kept).
set -u
cd "$(dirname "$0")/.."
OUT=bench/results/round68-tlbrace68-threads
B=main=/tmp/mainroot68/vmckpt
N=new=./vmckpt
until [ "$(date -u +%H%M%S)" -ge 194500 ]; do sleep 1; done
echo "slot start $(date -u +%T); HEAD $(git rev-parse --short HEAD); jar md5 new $(md5sum < cli/target/vmckpt.jar | cut -c1-8) main $(md5sum < /tmp/mainroot68/cli/target/vmckpt.jar | cut -c1-8)"
echo "vms of ours before: $(pgrep -af vmckpt.jar | grep -c wt-tlbrace68)"
echo "uptime: $(uptime)"
XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( $(date -u -d 19:54:50 +%s) - $(date -u +%s) )) \
    python3 bench/cpu/threads.py 5 --guest default --mark BENCH-DONE --launcher $B --launcher $N --json $OUT-1.json
echo "series 1 end $(date -u +%T); uptime: $(uptime)"
left=$(( $(date -u -d 19:54:50 +%s) - $(date -u +%s) ))
if [ $left -gt 30 ]; then
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $left \
        python3 bench/cpu/threads.py 5 --guest default --mark BENCH-DONE --launcher $N --launcher $B --json $OUT-2.json
fi
echo "slot end $(date -u +%T); uptime: $(uptime)"
