#!/bin/bash
# Round 72 ways72: untimed counts by phase (write window): MmuCounts (misses that walked, the slow paths' second-way
# hits, walks) and C1 units' leaves before a miss (c1MissLog), the switch off and on, alternating. Usage:
#   bash bench/results/counts-round72-ways72.sh GUEST TAG...   (TAG: off-a, on-a, ...)
cd "$(dirname "$0")/../.."
guest=$1; shift
for tag in "$@"; do
    case $tag in off*) o="-Dvmckpt.jit.c1MissLog=true" ;; *) o="-Dvmckpt.jit.c1MissLog=true -Dvmckpt.mmu.twoWay=true" ;; esac
    log=bench/results/r72w/mmu-$guest-$tag.log
    XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest $guest --launcher "m=${RUN:-/tmp/ways72-run}/vmckpt,$o" $log \
        > bench/results/mmucounts-round72-ways72-$guest-$tag.txt 2>&1
    python3 bench/cpu/c1miss-phases.py --guest $guest --launcher "m=${RUN:-/tmp/ways72-run}/vmckpt,$o" --from-log $log \
        > bench/results/c1miss-round72-ways72-$guest-$tag.txt 2>&1
    echo "$(date -u +%T) $guest $tag done"
done
