#!/bin/bash
# Round 81 (memdirty81), the slot 13:14-13:22 UTC: eager restores of the signed guest's memdirty, this branch's jar with
# -Dvmckpt.restore.deltasInBatches=true ("new") against main's ("base"), both restoring the same checkpoints (this jar's
# VM takes them: the switch changes nothing a checkpoint writes), QEMU 7.2's stop-and-copy stream restored in the same
# run, order alternating by rep (--alternate). Run 1 memdirty; run 2 memrandom (not worse); run 3 memdirty with all
# that the count names but zstd taken off the loading phase ("new" also with -Dvmckpt.restore.holdC1=30, C1's tier 3
# held, and -Dvmckpt.restore.fusedStored=true, the read buffers sized once); run 4 memdirty as run 1 with what is left.
#   START=13:14:05 END=13:21:50 MINE=JAR MAIN=JAR OUT=DIR bash slot.sh > OUT/slot-log.txt 2>&1
set -u
: "${MINE:?}" "${MAIN:?}" "${OUT:?}" "${START:?}" "${END:?}"
cd "$(dirname "$0")/../../.."
mkdir -p "$OUT"
end=$(date -u -d "today $END" +%s)
start=$(date -u -d "today $START" +%s)
now=$(date +%s); [ "$start" -gt "$now" ] && sleep $((start - now))
SW="-Dvmckpt.restore.deltasInBatches=true"
ALL="$SW -Dvmckpt.restore.holdC1=30 -Dvmckpt.restore.fusedStored=true"
WORK=${WORK:-/tmp/memdirty81/slot}
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "mine $MINE md5 $(md5sum "$MINE" | cut -c1-8); main $MAIN md5 $(md5sum "$MAIN" | cut -c1-8); HEAD $(git rev-parse --short HEAD)"
uptime
ps -eo pid,user,pcpu,etime,comm --sort=-pcpu | head -6
run() { # NAME EST WORKLOAD RESTORES NEW-JVM-OPTIONS
    local name=$1 est=$2 wl=$3 reps=$4 sw=$5
    local left=$(( end - $(date +%s) ))
    if [ "$left" -lt "$est" ]; then log "$name not started ($left s left, estimate $est s)"; return; fi
    log "$name start: $wl, --restores $reps, jar $MINE [$sw], base $MAIN []"
    rm -rf "$WORK-$name"
    timeout --signal=INT --kill-after=5 "$left" python3 bench/restore.py --guest signed --workloads "$wl" --later 1 --restores "$reps" \
        --eager-only --alternate --jar "$MINE" "--java-opts=$sw" --base-jar "$MAIN" "--base-java-opts=" \
        --work "$WORK-$name" --results "$OUT/$name" > "$OUT/$name.txt" 2>&1
    log "$name end (rc $?)"
    [ -f "$OUT/$name/restore.json" ] && cp "$OUT/$name/restore.json" "$OUT/$name.json"
    rm -rf "$OUT/$name" "$WORK-$name"
}
run run1 100 memdirty ${REPS1:-5} "$SW"
run run2 70 memrandom ${REPS2:-2} "$SW"
run run3 100 memdirty ${REPS3:-5} "$ALL"
run run4 75 memdirty ${REPS4:-4} "$SW"
log "slot script done"
uptime
