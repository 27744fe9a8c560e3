#!/bin/bash
# Round 75 tlb75: untimed counts (write window). Usage: bash bench/results/counts-round75-tlb75.sh KIND GUEST TAG...
#   KIND census: the translator census (-Dvmckpt.jit.census=true) of a run to BENCH-DONE
#   KIND mmu:    MmuCounts by phase (mmu-phases.py) and C1 units' leaves before a miss (c1MissLog), from the same run
#   TAG: main-off-* (main, /tmp/mainroot75, round 74 merged), main-on-* (main with -Dvmckpt.mmu.twoWay=true: round 74's
#        form, the hot units' stub swap), mine-on-* (this worktree's jar with the switch: round 75's form, no unit changes)
cd "$(dirname "$0")/../.."
kind=$1; guest=$2; shift 2
for tag in "$@"; do
    case $tag in
        main-off*) l=/tmp/mainroot75/vmckpt; o="" ;;
        main-on*) l=/tmp/mainroot75/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
        mine-on*) l=$PWD/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
    esac
    if [ "$kind" = census ]; then
        log=bench/results/r75t/census-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 -c "
import sys; sys.path.insert(0, 'bench/cpu'); import threads
r = threads.run_once('$l', '-Dvmckpt.jit.census=true $o', '$guest', 'BENCH-DONE', 'census-$tag', logpath='$log')
print('exit', r.get('exit'))"
        grep "census" $log > bench/results/census-round75-tlb75-$guest-$tag.txt
    else
        log=bench/results/r75t/mmu-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" $log \
            > bench/results/mmucounts-round75-tlb75-$guest-$tag.txt 2>&1
        python3 bench/cpu/c1miss-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" --from-log $log \
            > bench/results/c1miss-round75-tlb75-$guest-$tag.txt 2>&1
    fi
    echo "$(date -u +%T) $kind $guest $tag done"
done
