#!/bin/bash
# Round 79 tlb79's slot (07:00-07:08 UTC): main's build against this branch's jar with the conflict ways
# (-Dvmckpt.mmu.conflictWays=256), the default guest to fork-start (boot to /init, module and compute phases), pairs
# in turn (bench/cpu/ab-slot.sh), then the slow-runs table (walks per run, gzip's part). Started early; sleeps until
# START (default 07:00:00).
cd "$(dirname "$0")/../.."
START=${START:-07:00:00}
now=$(date -u +%s); at=$(date -u -d "today $START" +%s)
[ "$at" -gt "$now" ] && sleep $(( at - now ))
OUT=${OUT:-bench/results/round79-tlb79/slot}
A="main=/tmp/mainroot79/vmckpt" B="cw=/work/wt-tlb79/vmckpt,-Dvmckpt.mmu.conflictWays=256" GUESTS=default \
    MARK="BENCH-MARK fork-start" OUT=$OUT END=${END:-07:07:20} EST=${EST:-55} bench/cpu/ab-slot.sh
python3 bench/cpu/slow-runs.py "$OUT"/R*.json --episode 1500000 > "$OUT/slow-runs.txt" 2>&1
python3 bench/results/parts-round73-c2user73.py "$OUT"/R*.json --a main --b cw > "$OUT/parts.txt" 2>&1
