#!/bin/bash
# Round 78 (gzip78): the A/B of this branch's slot (04:08-04:18 UTC): main's build against this branch's jar with
# -Dvmckpt.mmu.twoWay=true (the TLB's second way: round 72-75's switch, off), default guest only, through all four
# phases (bench/cpu/ab-slot.sh), then the compute phase's parts (gzip's part: sha256-end to compute-end), C2's CPU, and
# each run's gzip part against its page walks (bench/cpu/slow-runs.py: a TLB conflict episode is millions of walks).
# Started early; sleeps until the slot.   START=HH:MM:SS END=HH:MM:SS OUT=DIR (a dry run: other times and a scratch OUT)
cd "$(dirname "$0")/../.."
START=${START:-04:08:05}; END=${END:-04:17:30}; D=${OUT:-bench/results/round78-gzip78}
now=$(date -u +%s); start=$(date -u -d "today $START" +%s)
[ "$now" -lt "$start" ] && sleep $(( start - now ))
mkdir -p $D
{ ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa /tmp/mainroot78/cli/target/vmckpt.jar
  md5sum cli/target/vmckpt.jar /tmp/mainroot78/cli/target/vmckpt.jar
  git log -1 --format='%h %ci %s' -- machine cli checkpoint whitebox; } > $D/slot-jars.txt 2>&1
A="main=/tmp/mainroot78/vmckpt" B="twoway=/work/wt-gzip78/vmckpt,-Dvmckpt.mmu.twoWay=true" GUESTS=default \
    OUT=$D/slot END=$END EST=75 bench/cpu/ab-slot.sh > $D/slot-round78-gzip78.log 2>&1
python3 bench/results/parts-round73-c2user73.py $D/slot/R*.json --a main --b twoway > $D/slot/parts.txt 2>&1
python3 bench/cpu/pairs.py $D/slot/R*.json --a main --b twoway --metric C2 > $D/slot/pairs-C2.txt 2>&1
python3 bench/cpu/slow-runs.py $D/slot/R*.json > $D/slot/slow-runs.txt 2>&1
echo slot-done >> $D/slot-round78-gzip78.log
