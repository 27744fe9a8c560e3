#!/bin/bash
# Round 85 restore85: the slot's second segment (the first, 14 runs of ~38 s, ended before the slot's end): the same
# ab-slot.sh A/B, TAG slot2, until 01:56:10; then its tables and those of both segments together.
here=/work/wt-restore85
while kill -0 30491 2>/dev/null; do sleep 0.5; done
OUT=/tmp/restore85/slot/out WORK=/tmp/restore85/slot/work
echo "== $(date -u +%H:%M:%S) segment 2 start; load $(cut -d' ' -f1-3 /proc/loadavg)"
NEW=$here/cli/target/vmckpt.jar BASE=/tmp/mainroot85/cli/target/vmckpt.jar NEW_OPTS="-Dvmckpt.restore.lazyHelp=true -Dvmckpt.restore.lazyStart=true" BASE_OPTS=" " \
    GUESTS="signed signed default" RUNS=14 RESTORES=3 EAGER_RUNS=0 RUN_SECONDS=45 \
    END=01:56:10 OUT="$OUT" WORK="$WORK" TAG=slot2 EXTRA="--no-qemu" bash "$here/bench/restore/ab-slot.sh"
for d in "$WORK/slot2-w"*; do
    [ -d "$d/logs" ] || continue
    mkdir -p "$OUT/logs-$(basename "$d")"
    cp "$d"/logs/restore-*.err "$OUT/logs-$(basename "$d")/" 2>/dev/null
done
rm -rf "$WORK/slot2-w"*
for g in signed default; do
    ls "$OUT"/restore-slot*-$g-run*.json > /dev/null 2>&1 || continue
    python3 "$here/bench/restore/pairs.py" --canaries="$OUT" "$OUT"/restore-slot*-$g-run*.json > "$OUT/pairs-all-$g.txt" 2>&1
    python3 "$here/bench/results/round85-restore85/signp-restore85.py" "$OUT/pairs-all-$g.txt" > "$OUT/pairs-all-$g-p.txt" 2>&1
done
python3 "$here/bench/restore/pairs.py" --canaries="$OUT" "$OUT"/restore-slot*-*-run*.json > "$OUT/pairs-all-both.txt" 2>&1
python3 "$here/bench/results/round85-restore85/signp-restore85.py" "$OUT/pairs-all-both.txt" > "$OUT/pairs-all-both-p.txt" 2>&1
python3 "$here/bench/results/round85-restore85/firstout-restore85.py" "$OUT" slot2 > "$OUT/firstout-slot2.txt" 2>&1
echo "== $(date -u +%H:%M:%S) segment 2 end; load $(cut -d' ' -f1-3 /proc/loadavg)"
