#!/bin/bash
# retrest83's slot (19:25-19:32 UTC): a restore A/B against main's build as a sanity check of the retirements (expect
# level). Started in the write window with a sleep until the slot's minute; everything ends by 19:31:50 (timeout).
#   bench/results/round83-retrest83/slot.sh [START_HHMMSS] [END_HHMMSS] [OUT]
set -u
cd "$(dirname "$0")/../../.."
START=${1:-19:25:05}
END=${2:-19:31:50}
OUT=${3:-bench/results/round83-retrest83/slot}
MAIN_JAR=/tmp/mainroot83/cli/target/vmckpt.jar
mkdir -p "$OUT"
now=$(date -u +%s); start=$(date -u -d "today $START" +%s)
[ "$start" -gt "$now" ] && sleep $((start - now))
left() { echo $(( $(date -u -d "today $END" +%s) - $(date -u +%s) )); }
{
  echo "slot start $(date -u +%T), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "jar $(md5sum cli/target/vmckpt.jar | cut -c1-32) $(git log -1 --format=%h) / main $(md5sum $MAIN_JAR | cut -c1-32) b1643ca9"
} | tee "$OUT/slot-log.txt"
# Run 1: default guest, memdirty, eager and lazy, this jar's VM takes the checkpoints, both jars restore in turn.
t=$(left); [ "$t" -gt 60 ] && timeout "$((t - 5))" python3 bench/restore.py --guest default --workloads memdirty --later 1 \
    --restores 5 --base-jar "$MAIN_JAR" --alternate --no-qemu --results "$OUT/run1" --work /tmp/retrest83-slot/run1 \
    > "$OUT/run1.txt" 2>&1
echo "run 1 end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/slot-log.txt"
# Run 2: the signed guest, main's VM takes the checkpoints (the other engine), as long as the slot lasts.
t=$(left); [ "$t" -gt 90 ] && timeout "$((t - 5))" python3 bench/restore.py --guest signed --workloads memdirty --later 1 \
    --restores 4 --base-jar "$MAIN_JAR" --checkpoint-with base --alternate --no-qemu --results "$OUT/run2" \
    --work /tmp/retrest83-slot/run2 > "$OUT/run2.txt" 2>&1
echo "run 2 end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/slot-log.txt"
