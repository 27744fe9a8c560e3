#!/bin/bash
# Round 75 (chain75): the A/B of this branch's slot (18:35-18:45 UTC): main against -Dvmckpt.jit.userHot=true,
# default and signed guests (bench/cpu/ab-slot.sh), then the compute phase's parts (gzip's part: sha256-end to
# compute-end) and C2's CPU per phase. Started early; sleeps until the slot.
cd "$(dirname "$0")/../.."
now=$(date -u +%s); start=$(date -u -d "today 18:35:00" +%s)
[ "$now" -lt "$start" ] && sleep $(( start - now ))
D=bench/results/round75-chain75
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa /tmp/mainroot75/cli/target/vmckpt.jar
git log -1 --format='%h %ci %s' -- machine cli checkpoint whitebox
A="main=/tmp/mainroot75/vmckpt" B="user=/work/wt-chain75/vmckpt,-Dvmckpt.jit.userHot=true" OUT=$D/slot END=18:43:00 EST=75 \
    bench/cpu/ab-slot.sh > $D/slot-round75-chain75.log 2>&1
python3 bench/results/parts-round73-c2user73.py $D/slot/R*.json --a main --b user > $D/slot/parts.txt 2>&1
python3 bench/cpu/pairs.py $D/slot/R*.json --a main --b user --metric C2 > $D/slot/pairs-C2.txt 2>&1
echo slot-done >> $D/slot-round75-chain75.log
