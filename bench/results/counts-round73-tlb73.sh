#!/bin/bash
# Round 73 tlb73: untimed counts (write window). Usage: bash bench/results/counts-round73-tlb73.sh KIND GUEST TAG...
#   KIND census: the translator census (-Dvmckpt.jit.census=true) of a run to BENCH-DONE
#   KIND mmu:    MmuCounts by phase (mmu-phases.py) and C1 units' leaves before a miss (c1MissLog), from the same run
#   TAG: main-off-* (main, /tmp/mainroot73), main-on-* (main with -Dvmckpt.mmu.twoWay=true: round 72's inline look-up),
#        mine-on-* (this branch's jar copy, /tmp/tlb73-run, with the switch), mine-noc1-* (the same, -Dvmckpt.mmu.twoWayC1=false)
cd "$(dirname "$0")/../.."
kind=$1; guest=$2; shift 2
for tag in "$@"; do
    case $tag in
        main-off*) l=/tmp/mainroot73/vmckpt; o="" ;;
        main-on*) l=/tmp/mainroot73/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
        mine-on*) l=/tmp/tlb73-run/vmckpt; o="-Dvmckpt.mmu.twoWay=true" ;;
        mine-noc1*) l=/tmp/tlb73-run/vmckpt; o="-Dvmckpt.mmu.twoWay=true -Dvmckpt.mmu.twoWayC1=false" ;;
    esac
    if [ "$kind" = census ]; then
        log=bench/results/r73t/census-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 -c "
import sys; sys.path.insert(0, 'bench/cpu'); import threads
r = threads.run_once('$l', '-Dvmckpt.jit.census=true $o', '$guest', 'BENCH-DONE', 'census-$tag', logpath='$log')
print('exit', r.get('exit'))"
        grep "census" $log > bench/results/census-round73-tlb73-$guest-$tag.txt
    else
        log=bench/results/r73t/mmu-$guest-$tag.log
        XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" $log \
            > bench/results/mmucounts-round73-tlb73-$guest-$tag.txt 2>&1
        python3 bench/cpu/c1miss-phases.py --guest $guest --launcher "m=$l,-Dvmckpt.jit.c1MissLog=true $o" --from-log $log \
            > bench/results/c1miss-round73-tlb73-$guest-$tag.txt 2>&1
    fi
    echo "$(date -u +%T) $kind $guest $tag done"
done
