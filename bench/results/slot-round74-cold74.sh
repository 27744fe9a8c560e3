#!/bin/bash
# Round 74, branch cold74: the quiet slot (15:15-15:25 UTC). Two ab-slot.sh series, main against this branch's jar with
# -Dvmckpt.interp.fastStatus=true: first runs to "BENCH-INFO tainted" (boot and module phase: the question, many pairs),
# then runs to BENCH-DONE (all four phases: no harm elsewhere) from 15:19:40 until 15:23.
set -u
cd "$(dirname "$0")/../.."
while [ "$(date -u +%H%M%S)" -lt 151500 ]; do sleep 1; done
export A="main=/tmp/mainroot74/vmckpt" B="mine=/work/wt-cold74/vmckpt,-Dvmckpt.interp.fastStatus=true"
MARK="BENCH-INFO tainted" EST=30 OUT=bench/results/r74cold-bm END=15:19:40 bench/cpu/ab-slot.sh > bench/results/slot-round74-cold74-bm.log 2>&1
EST=80 OUT=bench/results/r74cold-done END=15:23:00 bench/cpu/ab-slot.sh > bench/results/slot-round74-cold74-done.log 2>&1
