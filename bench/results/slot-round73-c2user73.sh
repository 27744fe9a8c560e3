#!/bin/bash
# Round 73 (c2user73): this branch's quiet slot (11:45-11:55 UTC): main against this branch's jar with the user-mode rule
# on, both guests, all four phases (bench/cpu/ab-slot.sh, threads.py --canary --mark BENCH-DONE), then the pairs of the
# run thread, C1 and C2 per phase and of the compute phase's parts. Started before the slot; sleeps until it.
cd "$(dirname "$0")/../.."
while [ "$(date -u +%H%M%S)" -lt 114500 ]; do sleep 1; done
D=bench/results/round73-c2user73/slot
A="main=/tmp/mainroot73/vmckpt" B="user=/work/wt-c2user73/vmckpt,-Dvmckpt.jit.hotC2Direct=true" OUT=$D END=11:53:00 EST=80 \
    bench/cpu/ab-slot.sh > bench/results/round73-c2user73/slot-round73-c2user73.log 2>&1
python3 bench/cpu/pairs.py $D/R*.json --a main --b user --metric C2 > $D/pairs-C2.txt
python3 bench/results/parts-round73-c2user73.py $D/R*.json --a main --b user > $D/parts.txt
echo "slot done $(date -u +%T)" >> bench/results/round73-c2user73/slot-round73-c2user73.log
