#!/bin/bash
# Round 77, branch sha77: the slot's A/B (00:42-00:51 UTC, 2026-12-07). Sleeps until START, then one bench/cpu/ab-slot.sh
# series of the signed guest to "BENCH-INFO tainted" (boot and module phase), main's build against this branch's jar with
# the lines into loops and the loops' exit paths on. Usage (started in the write window, asleep until its minute):
#   nohup bench/results/round77-sha77/slot-round77-sha77.sh > bench/results/round77-sha77/slot.log 2>&1 &
# DRY=1 START=now END=HH:MM:SS OUT=/tmp/... for a dry run.
set -u
cd "$(dirname "$0")/../../.."
START=${START:-2026-12-07 00:42:00}
END=${END:-00:50:40}
OUT=${OUT:-bench/results/round77-sha77/r77sha-bm}
if [ "$START" != now ]; then
    s=$(( $(date -u -d "$START" +%s) - $(date -u +%s) ))
    echo "# $(date -u +%H:%M:%S) asleep ${s}s until $START"
    [ "$s" -gt 0 ] && sleep "$s"
fi
echo "# $(date -u +%H:%M:%S) jars: main $(md5sum /tmp/mainroot77/cli/target/vmckpt.jar | cut -c1-8) mine $(md5sum cli/target/vmckpt.jar | cut -c1-8) HEAD $(git rev-parse --short HEAD)"
A="main=/tmp/mainroot77/vmckpt" \
B="mine=/work/wt-sha77/vmckpt,-Dvmckpt.jit.loopExits=hot -Dvmckpt.jit.loopPrologue=true" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=30 OUT="$OUT" END="$END" bench/cpu/ab-slot.sh
