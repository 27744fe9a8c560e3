#!/bin/bash
# Round 76 (gzip76): the A/B of this branch's slot (21:19-21:30 UTC): main with -Dvmckpt.jit.userHot=true against this
# branch with -Dvmckpt.jit.userHot=true -Dvmckpt.jit.userLoop=true, default and signed guests (bench/cpu/ab-slot.sh), then
# the compute phase's parts (gzip's part: sha256-end to compute-end) and C2's CPU per phase. Started early; sleeps
# until the slot.
cd "$(dirname "$0")/../.."
now=$(date -u +%s); start=$(date -u -d "today 21:19:05" +%s)
[ "$now" -lt "$start" ] && sleep $(( start - now ))
D=bench/results/round76-gzip76
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa /tmp/mainroot76/cli/target/vmckpt.jar
git log -1 --format='%h %ci %s' -- machine cli checkpoint whitebox
A="main=/tmp/mainroot76/vmckpt,-Dvmckpt.jit.userHot=true" B="loop=/work/wt-gzip76/vmckpt,-Dvmckpt.jit.userHot=true -Dvmckpt.jit.userLoop=true" \
    OUT=$D/slot END=21:28:00 EST=75 bench/cpu/ab-slot.sh > $D/slot-round76-gzip76.log 2>&1
python3 bench/results/parts-round73-c2user73.py $D/slot/R*.json --a main --b loop > $D/slot/parts.txt 2>&1
python3 bench/cpu/pairs.py $D/slot/R*.json --a main --b loop --metric C2 > $D/slot/pairs-C2.txt 2>&1
echo slot-done >> $D/slot-round76-gzip76.log
