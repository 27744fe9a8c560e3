#!/bin/bash
# Round 77, branch fold77: the quiet slot (01:00-01:09 UTC). One bench/cpu/ab-slot.sh series, main
# (/tmp/mainroot77, c06fa127, caseDecode on by default there: InterpreterCaseLoop) against this branch's jar (the case
# form folded into InterpreterFastLoop.run, no switch), to "BENCH-INFO tainted" (boot and module phase), both guests.
# A dry run in the write window: RES=/tmp/... START=HHMMSS END1=HH:MM:SS.
set -u
cd "$(dirname "$0")/../../.."
unzip -l cli/target/vmckpt.jar | grep -q 'org/vmckpt/machine/cpu/InterpreterCaseLoop.class' && { echo "this jar still has InterpreterCaseLoop" >&2; exit 1; }
unzip -l /tmp/mainroot77/cli/target/vmckpt.jar | grep -q 'org/vmckpt/machine/cpu/InterpreterCaseLoop.class' || { echo "main's jar has no InterpreterCaseLoop" >&2; exit 1; }
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa; git log -1 --format='%h %cd' --date=format:%H:%M:%S -- machine/src/main
md5sum cli/target/vmckpt.jar /tmp/mainroot77/cli/target/vmckpt.jar
# (HHMMSS compared as numbers and ab-slot.sh's END taken as today's: start it after midnight, before the slot)
[ "$(date -u +%H)" = 23 ] && { echo "start this after 00:00 UTC (the slot is tomorrow's 01:00)" >&2; exit 1; }
while [ "$(date -u +%H%M%S)" -lt "${START:-010000}" ]; do sleep 1; done
RES=${RES:-bench/results/round77-fold77}
export A="main=/tmp/mainroot77/vmckpt" B="fold=/work/wt-fold77/vmckpt"
MARK="BENCH-INFO tainted" EST=30 OUT=$RES/ab-bm END=${END1:-01:08:20} bench/cpu/ab-slot.sh > $RES/slot-bm.log 2>&1
python3 bench/cpu/pairs.py $RES/ab-bm/R*.json --a main --b fold --metric wall > $RES/ab-bm/pairs-wall.txt
