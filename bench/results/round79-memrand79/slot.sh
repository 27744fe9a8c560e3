#!/bin/bash
# Round 79 (memrand79), the slot 06:50-07:00 UTC: eager restores of the signed guest's memrandom (and memdirty once),
# this branch's jar with -Dvmckpt.restore.fusedStored=true ("new") against main's ("base"), QEMU 7.2 in the same runs,
# order alternating by rep (--alternate: rep 0 new first, rep 1 base first, ...). Eager only: more pairs in 10 min.
# Then cold restores (restore-cpu-ab.py --gap 4: each after 4 s idle, memory the host has taken back, what a user meets)
# of main, this jar with the switch, and with the switch and one of the two existing ways to move the pages' first
# touches ahead of the loaders (both off by default): round 70's agent (-agentpath:...=warmMiB=384, the launcher's
# -Dvmckpt.restore.warmMiB: 384 MiB faulted in and freed during the JVM's start, on the idle core) and round 53's
# RestorePrefault (the old generation's first 384 MiB faulted in from main on). Run 3: restore.py again, "new" with
# the switch and the agent. Then the quiet count by thread with what time is left.
#   START=06:50:00 END=06:59:50 MINE=JAR MAIN=JAR OUT=DIR bash slot.sh > OUT/slot-log.txt 2>&1
set -u
: "${MINE:?}" "${MAIN:?}" "${OUT:?}" "${START:?}" "${END:?}"
cd "$(dirname "$0")/../../.."
mkdir -p "$OUT"
end=$(date -u -d "today $END" +%s)
start=$(date -u -d "today $START" +%s)
now=$(date +%s); [ "$start" -gt "$now" ] && sleep $((start - now))
SW="-Dvmckpt.restore.fusedStored=true"
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "mine $MINE md5 $(md5sum "$MINE" | cut -c1-8); main $MAIN md5 $(md5sum "$MAIN" | cut -c1-8); HEAD $(git rev-parse --short HEAD)"
uptime
run() { # NAME EST WORKLOAD RESTORES JAR JAVAOPTS BASEJAR BASEOPTS
    local name=$1 est=$2 wl=$3 reps=$4 jar=$5 jo=$6 bjar=$7 bo=$8
    local left=$(( end - $(date +%s) ))
    if [ "$left" -lt "$est" ]; then log "$name not started ($left s left, estimate $est s)"; return; fi
    log "$name start: $wl, --restores $reps, jar $jar [$jo], base $bjar [$bo]"
    rm -rf "/tmp/memrand79/slot-$name"
    timeout --signal=INT --kill-after=5 "$left" python3 bench/restore.py --guest signed --workloads "$wl" --later 1 --restores "$reps" \
        --eager-only --alternate $([ "$name" = run1 ] && echo --keep-repos) --jar "$jar" "--java-opts=$jo" --base-jar "$bjar" "--base-java-opts=$bo" \
        --work "/tmp/memrand79/slot-$name" --results "$OUT/$name" > "$OUT/$name.txt" 2>&1
    log "$name end (rc $?)"
    [ -f "$OUT/$name/restore.json" ] && cp "$OUT/$name/restore.json" "$OUT/$name.json"
    rm -rf "$OUT/$name"
}
WARM="-agentpath:$(dirname "$MINE")/libvmckpt-native.so=warmMiB=384"
run run1 150 memrandom 5 "$MINE" "$SW" "$MAIN" ""
run run2 130 memdirty 2 "$MINE" "$SW" "$MAIN" ""
left=$(( end - $(date +%s) ))
if [ "$left" -ge 75 ] && [ -d /tmp/memrand79/slot-run1/repo-memrandom ]; then
    n=$(( left > 280 ? 3 : 2 ))
    log "cold start ($left s left, $n rounds)"
    timeout --kill-after=5 $((left - 3)) python3 bench/restore-cpu-ab.py /tmp/memrand79/slot-run1/repo-memrandom $n "$MAIN" \
        "$MINE@$SW" "$MINE@$SW,$WARM" "$MINE@$SW,-Dvmckpt.restore.prefault=true,-Dvmckpt.restore.prefault.firstMiB=384" \
        --label memrandom-later-0 --gap 4 > "$OUT/cold-slot.txt" 2>&1
    log "cold end"
else
    log "cold not started ($left s left)"
fi
run run3 140 memrandom 4 "$MINE" "$SW $WARM" "$MAIN" ""
# The quiet count by thread, if time is left: restore-threads.py rounds on run 1's kept memrandom repository.
left=$(( end - $(date +%s) ))
if [ "$left" -ge 35 ] && [ -d /tmp/memrand79/slot-run1/repo-memrandom ]; then
    log "count start ($left s left)"
    N=$(( left / 18 )) MINE="$MINE" MAIN="$MAIN" REPO=/tmp/memrand79/slot-run1/repo-memrandom LABEL=memrandom-later-0 \
        timeout --kill-after=5 $((left - 3)) bash bench/results/round79-memrand79/count.sh > "$OUT/count-slot.txt" 2>&1
    log "count end"
else
    log "count not started ($left s left)"
fi
log "done"
