#!/bin/bash
# Round 75 tlb75 (write window, untimed): a scratch variant of 91b7e948 at /tmp/tlb75-var whose dispatcher look-up
# (CodeCache.lookup) does not swap the fetch TLB's second way in (returns null on a first-way miss, as on main): are the
# signed module phase's extra C1 leaves the look-up's? MMU counts and C1 leaves as counts-round75-tlb75.sh.
cd "$(dirname "$0")/../.."
for tag in "$@"; do
    log=bench/results/r75t/mmu-signed-var-$tag.log
    XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest signed --launcher "v=/tmp/tlb75-var/vmckpt,-Dvmckpt.jit.c1MissLog=true -Dvmckpt.mmu.twoWay=true" $log \
        > bench/results/mmucounts-round75-tlb75-signed-var-$tag.txt 2>&1
    python3 bench/cpu/c1miss-phases.py --guest signed --launcher "v=/tmp/tlb75-var/vmckpt,-Dvmckpt.jit.c1MissLog=true -Dvmckpt.mmu.twoWay=true" --from-log $log \
        > bench/results/c1miss-round75-tlb75-signed-var-$tag.txt 2>&1
    echo "$(date -u +%T) variant $tag done"
done
