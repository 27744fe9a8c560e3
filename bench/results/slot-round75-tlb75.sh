#!/bin/bash
# Round 75 tlb75: this branch's quiet slot (18:15-18:25 UTC): main (round 74 merged, HEAD 425acdb8, /tmp/mainroot75)
# against this worktree's jar with -Dvmckpt.mmu.twoWay=true (round 75's form: no unit changes); the signed guest (the
# question: round 74's form lost its module and compute phases) and the default guest twice in each cycle of five
# rounds, the conflict guest (conflict72) once; one pair a round (threads.py 1 --canary --mark BENCH-DONE), the order
# turning after each cycle (bench/cpu/ab-slot.sh). Log: bench/results/slot-round75-tlb75.log; raw: bench/results/r75t/slot/.
cd "$(dirname "$0")/../.."
A="main=/tmp/mainroot75/vmckpt" B="mine=$PWD/vmckpt,-Dvmckpt.mmu.twoWay=true" OUT=bench/results/r75t/slot \
    GUESTS="signed default conflict72 signed default" END=${END:-18:23:00} bench/cpu/ab-slot.sh
python3 bench/cpu/pairs.py bench/results/r75t/slot/R*.json --a main --b mine --metric C2 > bench/results/r75t/slot/pairs-C2.txt
