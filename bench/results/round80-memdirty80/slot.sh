#!/bin/bash
# Round 80 (memdirty80), the slot 10:02-10:14 UTC: eager restores of the signed guest's memdirty, this branch's jar
# with -Dvmckpt.restore.rawSeqPerKiB=96 ("new": its own VM writes memdirty's decode-bound frames as they are) against
# main's ("base": its own VM, zstd frames), --checkpoint-with each (the switch acts where the checkpoint is written;
# each jar restores its own checkpoint), QEMU 7.2's stop-and-copy stream restored in the same run, order alternating
# by rep (--alternate). Then memrandom once (not worse), a quiet loading timeline, memdirty again, and with what time is
# left memdirty with -Dvmckpt.restore.fusedStored=true added to "new".
#   START=10:02:05 END=10:13:50 MINE=JAR MAIN=JAR OUT=DIR bash slot.sh > OUT/slot-log.txt 2>&1
set -u
: "${MINE:?}" "${MAIN:?}" "${OUT:?}" "${START:?}" "${END:?}"
cd "$(dirname "$0")/../../.."
mkdir -p "$OUT"
end=$(date -u -d "today $END" +%s)
start=$(date -u -d "today $START" +%s)
now=$(date +%s); [ "$start" -gt "$now" ] && sleep $((start - now))
SW="-Dvmckpt.restore.rawSeqPerKiB=${SEQ:-96}"
WORK=${WORK:-/tmp/memdirty80/slot}
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "mine $MINE md5 $(md5sum "$MINE" | cut -c1-8); main $MAIN md5 $(md5sum "$MAIN" | cut -c1-8); HEAD $(git rev-parse --short HEAD)"
uptime
ps -eo pid,user,pcpu,etime,comm --sort=-pcpu | head -6
run() { # NAME EST WORKLOAD RESTORES [EXTRA JVM OPTIONS FOR NEW]
    local name=$1 est=$2 wl=$3 reps=$4 sw="$SW${5:+ $5}"
    local left=$(( end - $(date +%s) ))
    if [ "$left" -lt "$est" ]; then log "$name not started ($left s left, estimate $est s)"; return; fi
    log "$name start: $wl, --restores $reps, jar $MINE [$sw], base $MAIN []"
    rm -rf "$WORK-$name"
    timeout --signal=INT --kill-after=5 "$left" python3 bench/restore.py --guest signed --workloads "$wl" --later 1 --restores "$reps" \
        --eager-only --alternate --checkpoint-with each $([ "$name" = run1 ] && echo --keep-repos) --jar "$MINE" "--java-opts=$sw" --base-jar "$MAIN" "--base-java-opts=" \
        --work "$WORK-$name" --results "$OUT/$name" > "$OUT/$name.txt" 2>&1
    log "$name end (rc $?)"
    [ -f "$OUT/$name/restore.json" ] && cp "$OUT/$name/restore.json" "$OUT/$name.json"
    rm -rf "$OUT/$name"
    [ "$name" = run1 ] || rm -rf "$WORK-$name"
}
run run1 200 memdirty ${REPS1:-4}
run run2 150 memrandom ${REPS2:-3}
run run3 150 memdirty ${REPS3:-4}
# The loading phase thread by thread, quiet (bench/restore-loading-timeline.py: CPU, run queue and idle per 10 ms bin):
# main's jar on run 1's zstd checkpoint, this jar on its own, main, this; as long as 25 s are left for each.
for v in main mine main mine; do
    left=$(( end - $(date +%s) ))
    [ "$left" -ge 25 ] && [ -d "$WORK-run1/repo-memdirty" ] || { log "timeline $v not started ($left s left)"; continue; }
    if [ $v = main ]; then j=$MAIN; repo=$WORK-run1/repo-memdirty-base; else j=$MINE; repo=$WORK-run1/repo-memdirty; fi
    log "timeline $v"
    timeout --kill-after=5 $((left - 3)) python3 bench/restore-loading-timeline.py "$j" "$repo" memdirty-later-0 >> "$OUT/timeline-slot.txt" 2>&1
    echo "== end $v" >> "$OUT/timeline-slot.txt"
done
# Run 4 if it fits: "new" also with round 79's fused copy of stored frames (its read buffers sized once), the path
# memdirty's raw frames take.
run run4 150 memdirty ${REPS4:-4} -Dvmckpt.restore.fusedStored=true
rm -rf "$WORK-run1"
log "slot script done"
uptime
