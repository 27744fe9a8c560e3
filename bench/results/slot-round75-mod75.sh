#!/bin/bash
# Round 75, branch mod75: the quiet slot (18:25-18:35 UTC). Two ab-slot.sh series, main (/tmp/mainroot75, 425acdb8)
# against this branch's jar with -Dvmckpt.interp.branchlessExpand=true: first runs to "BENCH-INFO tainted" (boot and
# module phase: the question, many pairs), then runs to BENCH-DONE (all four phases: no harm elsewhere) until 18:34.
set -u
cd "$(dirname "$0")/../.."
unzip -p cli/target/vmckpt.jar org/vmckpt/machine/cpu/InterpreterFastLoop.class | grep -q branchlessExpand || { echo "the jar has no branchlessExpand" >&2; exit 1; }
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa; git log -1 --format='%h %cd' --date=format:%H:%M:%S -- machine
while [ "$(date -u +%H%M%S)" -lt 182500 ]; do sleep 1; done
export A="main=/tmp/mainroot75/vmckpt" B="mine=/work/wt-mod75/vmckpt,-Dvmckpt.interp.branchlessExpand=true"
MARK="BENCH-INFO tainted" EST=30 OUT=bench/results/r75mod-bm END=18:31:00 bench/cpu/ab-slot.sh > bench/results/slot-round75-mod75-bm.log 2>&1
EST=80 OUT=bench/results/r75mod-done END=18:34:00 bench/cpu/ab-slot.sh > bench/results/slot-round75-mod75-done.log 2>&1
python3 bench/cpu/pairs.py bench/results/r75mod-bm/R*.json bench/results/r75mod-done/R*.json --a main --b mine > bench/results/r75mod-pairs-all-run.txt
python3 bench/cpu/pairs.py bench/results/r75mod-bm/R*.json bench/results/r75mod-done/R*.json --a main --b mine --metric C1 > bench/results/r75mod-pairs-all-C1.txt
