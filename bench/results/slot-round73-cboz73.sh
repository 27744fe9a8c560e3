#!/bin/bash
# Round 73, cboz73's quiet slot (12:05-12:15 UTC): main (round 72 merged, /tmp/mainroot73) against this branch with
# Zicboz on (-Dvmckpt.isa.zicboz=true, block size 4096 by default), both guests, through bench/cpu/ab-slot.sh.
cd /work/wt-cboz73
sleep $(( $(date -u -d "today 12:05:00" +%s) - $(date -u +%s) ))
A="main=/tmp/mainroot73/vmckpt" B="mine=/work/wt-cboz73/vmckpt,-Dvmckpt.isa.zicboz=true" \
OUT=/work/wt-cboz73/bench/results/slot-round73-cboz73-json END=12:13:00 /work/wt-cboz73/bench/cpu/ab-slot.sh
