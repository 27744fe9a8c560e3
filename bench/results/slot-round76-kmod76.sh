#!/bin/bash
# Round 76, branch kmod76: the quiet slot (21:41-21:52 UTC). Two ab-slot.sh series, main (/tmp/mainroot76, d278d5c9)
# against this branch's jar with -Dvmckpt.jit.kernelHot=$FORMS: first the signed guest to "BENCH-INFO tainted" (boot
# and module phase: the question, many pairs), then both guests to BENCH-DONE (all four phases: no harm elsewhere).
set -u
cd "$(dirname "$0")/../.."
FORMS=${FORMS:-masks,ctx}
unzip -p cli/target/vmckpt.jar org/vmckpt/machine/cpu/Translator.class | grep -q kernelHot || { echo "the jar has no kernelHot" >&2; exit 1; }
ls -l --time-style=+%H:%M:%S cli/target/vmckpt.jar cli/target/vmckpt.jsa; git log -1 --format='%h %cd' --date=format:%H:%M:%S -- machine
while [ "$(date -u +%H%M%S)" -lt 214100 ]; do sleep 1; done
export A="main=/tmp/mainroot76/vmckpt" B="mine=/work/wt-kmod76/vmckpt,-Dvmckpt.jit.kernelHot=$FORMS"
GUESTS=signed MARK="BENCH-INFO tainted" EST=30 OUT=bench/results/r76kmod-bm END=21:47:40 bench/cpu/ab-slot.sh > bench/results/slot-round76-kmod76-bm.log 2>&1
EST=75 OUT=bench/results/r76kmod-done END=21:50:40 bench/cpu/ab-slot.sh > bench/results/slot-round76-kmod76-done.log 2>&1
python3 bench/cpu/pairs.py bench/results/r76kmod-bm/R*.json bench/results/r76kmod-done/R*.json --a main --b mine > bench/results/r76kmod-pairs-all-run.txt
python3 bench/cpu/pairs.py bench/results/r76kmod-bm/R*.json bench/results/r76kmod-done/R*.json --a main --b mine --metric C1 > bench/results/r76kmod-pairs-all-C1.txt
