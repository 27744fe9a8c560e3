#!/bin/bash
# Round 74 tlb74: this branch's quiet slot (15:05-15:15 UTC): main (round 73 merged, /tmp/mainroot74) against this
# worktree's jar with -Dvmckpt.mmu.twoWay=true; the default and signed guests twice in each cycle of five rounds, the
# conflict guest (conflict72) once; one pair a round (threads.py 1 --canary --mark BENCH-DONE), the order turning after
# each cycle (bench/cpu/ab-slot.sh). Log: bench/results/slot-round74-tlb74.log; raw: bench/results/r74t/slot/.
cd "$(dirname "$0")/../.."
A="main=/tmp/mainroot74/vmckpt" B="mine=$PWD/vmckpt,-Dvmckpt.mmu.twoWay=true" OUT=bench/results/r74t/slot \
    GUESTS="default signed conflict72 default signed" END=${END:-15:13:00} bench/cpu/ab-slot.sh
