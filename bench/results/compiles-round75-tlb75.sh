#!/bin/bash
# Round 75 tlb75: -XX:+PrintCompilation of one signed-guest run to BENCH-DONE each, main / mine (switch on), write window
# (untimed): which of our Java methods HotSpot compiled, deoptimised ("made not entrant") and compiled again, per phase.
cd "$(dirname "$0")/../.."
for tag in main mine; do
    if [ $tag = main ]; then l=/tmp/mainroot75/vmckpt; o=""; else l=$PWD/vmckpt; o="-Dvmckpt.mmu.twoWay=true"; fi
    XDG_RUNTIME_DIR=$(mktemp -d) python3 -c "
import sys; sys.path.insert(0, 'bench/cpu'); import threads
r = threads.run_once('$l', '-XX:+PrintCompilation $o', 'signed', 'BENCH-DONE', 'pc-$tag', logpath='bench/results/r75t/printcomp-signed-$tag.log')
print('exit', r.get('exit'))"
    echo "$(date -u +%T) $tag done"
done
