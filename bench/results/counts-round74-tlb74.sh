#!/bin/bash
# Round 74 tlb74: untimed counts (write window). Usage: bash bench/results/counts-round74-tlb74.sh KIND GUEST TAG...
#   KIND census: the translator census (-Dvmckpt.jit.census=true) of a run to BENCH-DONE
#   KIND mmu:    MmuCounts by phase (mmu-phases.py) and C1 units' leaves before a miss (c1MissLog), from the same run
#   TAG: main-off-* (main, /tmp/mainroot74, round 73's code), main-on-* (main with -Dvmckpt.mmu.twoWay=true: round 73's
#        form, the C1 stubs' swap call), mine-on-* (this worktree's jar with the switch: round 74's form)
cd "$(dirname "$0")/../.."
kind=$1; guest=$2; shift 2
for tag in "$@"; do
    case $tag in
        main-off*) l=/tmp/mainroot74/vmckpt; o="" ;;
        main-on*) l=/tmp/mainroot74/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
        mine-on*) l=$PWD/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
    esac
    if [ "$kind" = census ]; then
        log=bench/results/r74t/census-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 -c "
import sys; sys.path.insert(0, 'bench/cpu'); import threads
r = threads.run_once('$l', '-Dvmckpt.jit.census=true $o', '$guest', 'BENCH-DONE', 'census-$tag', logpath='$log')
print('exit', r.get('exit'))"
        grep "census" $log > bench/results/census-round74-tlb74-$guest-$tag.txt
    else
        log=bench/results/r74t/mmu-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" $log \
            > bench/results/mmucounts-round74-tlb74-$guest-$tag.txt 2>&1
        python3 bench/cpu/c1miss-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" --from-log $log \
            > bench/results/c1miss-round74-tlb74-$guest-$tag.txt 2>&1
    fi
    echo "$(date -u +%T) $kind $guest $tag done"
done
