#!/bin/bash
# Round 84 restore84's restore slot (22:18-22:32 UTC): bench/restore/ab-slot.sh in segments, one switch each, every
# segment main's jar with the switch (NEW) against main's jar without it (BASE), so only the switch differs.
#   START=HH:MM:SS SLOT_END=HH:MM:SS OUT=DIR WORK=DIR bash slot-restore84.sh     (started by a sleep before the slot)
# Segments (their END times from the plan below; a run starts only if RUN_SECONDS are left in its segment):
#   A rawSeqPerKiB=96, signed guest, each jar its own VM and checkpoint (the switch acts where it is written), eager+lazy
#   B rawSeqPerKiB=96, default guest, the same
#   C holdC1=30, signed, eager only (the hold is an eager restore's), main's checkpoint
#   D deltasInBatches, signed, eager only
#   E fusedStored, signed, eager only
set -u
here=${HERE:-$(cd "$(dirname "$0")/../../.." && pwd)}
MAIN=${MAIN:-/tmp/mainroot84/cli/target/vmckpt.jar}
OUT=${OUT:-/tmp/restore84/slot/out} WORK=${WORK:-/tmp/restore84/slot/work}
mkdir -p "$OUT" "$WORK"
now() { date -u +%s; }
at() { date -u -d "today $1" +%s; }
if [ -n "${START:-}" ]; then s=$(( $(at "$START") - $(now) )); [ "$s" -gt 0 ] && sleep "$s"; fi
echo "== $(date -u +%H:%M:%S) slot script start; MAIN $(md5sum < "$MAIN" | cut -c1-8); load $(cut -d' ' -f1-3 /proc/loadavg)"
seg() { # TAG END RUN_SECONDS RESTORES GUESTS NEW_OPTS EXTRA EAGER_RUNS
    local tag=$1 end=$2
    [ "$(now)" -ge "$(at "$end")" ] && { echo "== segment $tag skipped: past its end $end"; return; }
    echo "== $(date -u +%H:%M:%S) segment $tag until $end: NEW_OPTS='$6' EXTRA='$7'"
    NEW=$MAIN BASE=$MAIN NEW_OPTS="$6" BASE_OPTS=" " GUESTS="$5" RUNS=9 RESTORES=$4 EAGER_RUNS=$8 RUN_SECONDS=$3 \
        END=$end OUT="$OUT" WORK="$WORK" TAG=$tag EXTRA="$7" bash "$here/bench/restore/ab-slot.sh"
    # each restore's own account (restore --stats: phases, stage CPU, pages.deltas, pages.c1hold.items, collections), kept
    for d in "$WORK/$tag-w"*; do
        [ -d "$d/logs" ] || continue
        mkdir -p "$OUT/logs-$(basename "$d")"
        cp "$d"/logs/restore-*.err "$d"/logs/restore-*.gc "$OUT/logs-$(basename "$d")/" 2>/dev/null
    done
    rm -rf "$WORK/$tag-w"* # the repositories and guests of the segment (GBs)
}
E1=${E1:-22:22:00} E2=${E2:-22:23:40} E3=${E3:-22:26:15} E4=${E4:-22:28:55} E5=${E5:-${SLOT_END:-22:31:40}}
RA=${RA:-3} RE=${RE:-5} # restores per run: segments A-B (eager and lazy), C-E (eager)
seg rawseq "$E1" 90 "$RA" "signed" "-Dvmckpt.restore.rawSeqPerKiB=96" "--checkpoint-with each --no-qemu --eager-watch 1" 9
seg rawseqdef "$E2" 90 "$RA" "default" "-Dvmckpt.restore.rawSeqPerKiB=96" "--checkpoint-with each --no-qemu --eager-watch 1" 9
seg holdc1 "$E3" 55 "$RE" "signed" "-Dvmckpt.restore.holdC1=30" "--eager-only --no-qemu --eager-watch 1" 0
seg deltas "$E4" 55 "$RE" "signed" "-Dvmckpt.restore.deltasInBatches=true" "--eager-only --no-qemu --eager-watch 1" 0
seg fused "$E5" 55 "$RE" "signed" "-Dvmckpt.restore.fusedStored=true" "--eager-only --no-qemu --eager-watch 1" 0
# The tables, inside the slot (a second of python): pairs per segment (the slow-host reference from every canary of the
# slot) and each restore's own account.
for tag in rawseq rawseqdef holdc1 deltas fused; do
    ls "$OUT"/restore-$tag-*-run*.json > /dev/null 2>&1 || continue
    python3 "$here/bench/restore/pairs.py" --canaries="$OUT" "$OUT"/restore-$tag-*-run*.json > "$OUT/pairs-$tag.txt" 2>&1
    python3 "$here/bench/results/round84-restore84/stats-round84.py" "$OUT" $tag > "$OUT/stats-$tag.txt" 2>&1
done
for tag in rawseq rawseqdef; do
    python3 "$here/bench/results/round84-restore84/ckpt-round84.py" "$OUT" $tag > "$OUT/ckpt-$tag.txt" 2>&1
done
echo "== $(date -u +%H:%M:%S) slot script end; load $(cut -d' ' -f1-3 /proc/loadavg)"
