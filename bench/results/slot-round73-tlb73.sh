#!/bin/bash
# Round 73 tlb73: the quiet slot (11:35-11:45 UTC): main against this branch's jar with the two-way TLB, the default,
# signed and conflict72 guests taking turns (bench/cpu/ab-slot.sh), then pairs.py (run thread, C1).
cd "$(dirname "$0")/../.."
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa; git log -1 --format='%h %cd' --date=format:%H:%M:%S
A="main=/tmp/mainroot73/vmckpt" B="mine=/work/wt-tlb73/vmckpt,-Dvmckpt.mmu.twoWay=true" \
OUT=/work/wt-tlb73/bench/results/r73t/slot GUESTS="default signed conflict72" END=${END:-11:43:00} \
    bash bench/cpu/ab-slot.sh
