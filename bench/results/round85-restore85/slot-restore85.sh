#!/bin/bash
# Round 85 restore85's slot (01:42:30-01:56:30 UTC): bench/restore/ab-slot.sh, lazy restores only, both guests
# (runs: signed, signed, default, repeated), NEW = this branch's jar with -Dvmckpt.restore.lazyHelp=true
# -Dvmckpt.restore.lazyStart=true, BASE = main's jar (/tmp/mainroot85, 985ee58d) with the defaults; odd runs NEW boots
# the VM and takes the checkpoints, even runs BASE; each run 3 pairs (--alternate: reps alternate which side restores
# first); a canary before and after each run; no QEMU. Then the tables (pairs.py --canaries) inside the slot.
#   START=HH:MM:SS END=HH:MM:SS OUT=DIR WORK=DIR bash slot-restore85.sh     (started by a sleep before the slot)
set -u
here=${HERE:-$(cd "$(dirname "$0")/../../.." && pwd)}
MAIN=${MAIN:-/tmp/mainroot85/cli/target/vmckpt.jar}
MINE=${MINE:-$here/cli/target/vmckpt.jar}
OUT=${OUT:-/tmp/restore85/slot/out} WORK=${WORK:-/tmp/restore85/slot/work}
mkdir -p "$OUT" "$WORK"
now() { date -u +%s; }
at() { date -u -d "today $1" +%s; }
if [ -n "${START:-}" ]; then s=$(( $(at "$START") - $(now) )); [ "$s" -gt 0 ] && sleep "$s"; fi
echo "== $(date -u +%H:%M:%S) slot script start; MAIN $(md5sum < "$MAIN" | cut -c1-8), MINE $(md5sum < "$MINE" | cut -c1-8); load $(cut -d' ' -f1-3 /proc/loadavg)"
NEW=$MINE BASE=$MAIN NEW_OPTS="-Dvmckpt.restore.lazyHelp=true -Dvmckpt.restore.lazyStart=true" BASE_OPTS=" " \
    GUESTS="signed signed default" RUNS=${RUNS:-14} RESTORES=${RESTORES:-3} EAGER_RUNS=0 RUN_SECONDS=${RUN_SECONDS:-75} \
    END=${END:-01:56:10} OUT="$OUT" WORK="$WORK" TAG=${TAG:-slot} EXTRA="--no-qemu" bash "$here/bench/restore/ab-slot.sh"
# each restore's own account (restore --stats), kept; the repositories and guests removed (GBs)
for d in "$WORK/${TAG:-slot}-w"*; do
    [ -d "$d/logs" ] || continue
    mkdir -p "$OUT/logs-$(basename "$d")"
    cp "$d"/logs/restore-*.err "$OUT/logs-$(basename "$d")/" 2>/dev/null
done
rm -rf "$WORK/${TAG:-slot}-w"*
for g in signed default; do
    ls "$OUT"/restore-${TAG:-slot}-$g-run*.json > /dev/null 2>&1 || continue
    python3 "$here/bench/restore/pairs.py" --canaries="$OUT" "$OUT"/restore-${TAG:-slot}-$g-run*.json > "$OUT/pairs-$g.txt" 2>&1
done
python3 "$here/bench/restore/pairs.py" --canaries="$OUT" "$OUT"/restore-${TAG:-slot}-*-run*.json > "$OUT/pairs-both.txt" 2>&1
# sign-test p on every count, issue 9's bound pair by pair (signp-restore85.py), each restore's own account (firstout-restore85.py)
for t in signed default both; do
    [ -f "$OUT/pairs-$t.txt" ] && python3 "$here/bench/results/round85-restore85/signp-restore85.py" "$OUT/pairs-$t.txt" > "$OUT/pairs-$t-p.txt" 2>&1
done
python3 "$here/bench/results/round85-restore85/firstout-restore85.py" "$OUT" "${TAG:-slot}" > "$OUT/firstout.txt" 2>&1
echo "== $(date -u +%H:%M:%S) slot script end; load $(cut -d' ' -f1-3 /proc/loadavg)"
