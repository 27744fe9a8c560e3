#!/bin/bash
# Round 76, branch decode76: the quiet slot (21:30-21:41 UTC). Two ab-slot.sh series, main (/tmp/mainroot76, d278d5c9)
# against this branch's jar with -Dvmckpt.interp.caseDecode=true: first runs to "BENCH-INFO tainted" (boot and module
# phase: the question, many pairs), then runs to BENCH-DONE (all four phases: no harm elsewhere) until 21:39:15.
set -u
cd "$(dirname "$0")/../.."
unzip -l cli/target/vmckpt.jar | grep -q 'org/vmckpt/machine/cpu/InterpreterCaseLoop.class' || { echo "the jar has no InterpreterCaseLoop" >&2; exit 1; }
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa; git log -1 --format='%h %cd' --date=format:%H:%M:%S -- machine
md5sum cli/target/vmckpt.jar /tmp/mainroot76/cli/target/vmckpt.jar
while [ "$(date -u +%H%M%S)" -lt "${START:-213000}" ]; do sleep 1; done
RES=${RES:-bench/results}  # (a dry run in the write window: RES=/tmp/... START=... END1=... END2=...)
export A="main=/tmp/mainroot76/vmckpt" B="mine=/work/wt-decode76/vmckpt,-Dvmckpt.interp.caseDecode=true"
MARK="BENCH-INFO tainted" EST=30 OUT=$RES/r76dec-bm END=${END1:-21:36:30} bench/cpu/ab-slot.sh > $RES/slot-round76-decode76-bm.log 2>&1
EST=80 OUT=$RES/r76dec-done END=${END2:-21:39:15} bench/cpu/ab-slot.sh > $RES/slot-round76-decode76-done.log 2>&1
python3 bench/cpu/pairs.py $RES/r76dec-bm/R*.json $RES/r76dec-done/R*.json --a main --b mine > $RES/r76dec-pairs-all-run.txt
python3 bench/cpu/pairs.py $RES/r76dec-bm/R*.json $RES/r76dec-done/R*.json --a main --b mine --metric C1 > $RES/r76dec-pairs-all-C1.txt
