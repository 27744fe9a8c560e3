#!/bin/bash
# Round 74 (gzip74): the A/B of this branch's slot (15:25-15:35 UTC): main against -Dvmckpt.jit.hotLookWarm=user,
# default and signed guests (bench/cpu/ab-slot.sh), then the compute phase's parts (gzip's part: sha256-end to
# compute-end) and C2's CPU per phase. Started early; sleeps until the slot.
cd "$(dirname "$0")/../.."
now=$(date -u +%s); start=$(date -u -d "today 15:25:00" +%s)
[ "$now" -lt "$start" ] && sleep $(( start - now ))
D=bench/results/round74-gzip74
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa /tmp/mainroot74/cli/target/vmckpt.jar
git log -1 --format='%h %ci %s' -- machine cli checkpoint whitebox
A="main=/tmp/mainroot74/vmckpt" B="warm=/work/wt-gzip74/vmckpt,-Dvmckpt.jit.hotLookWarm=user" OUT=$D/slot END=15:33:00 EST=80 \
    bench/cpu/ab-slot.sh > $D/slot-round74-gzip74.log 2>&1
python3 bench/results/parts-round73-c2user73.py $D/slot/R*.json --a main --b warm > $D/slot/parts.txt 2>&1
python3 bench/cpu/pairs.py $D/slot/R*.json --a main --b warm --metric C2 > $D/slot/pairs-C2.txt 2>&1
echo slot-done >> $D/slot-round74-gzip74.log
