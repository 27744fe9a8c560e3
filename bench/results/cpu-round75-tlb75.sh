#!/bin/bash
# Round 75 tlb75: CPU by thread per phase in the WRITE WINDOW (load high: a breakdown, not an A/B verdict): C2's compile
# CPU and the run thread's, main against this worktree's jar with -Dvmckpt.mmu.twoWay=true.
# Usage: [OFFSET=K] bash bench/results/cpu-round75-tlb75.sh GUEST N   (N pairs, the order turning each pair; files W<K+r>-GUEST.json)
cd "$(dirname "$0")/../.."
g=$1; n=$2
A="main=/tmp/mainroot75/vmckpt"; B="mine=$PWD/vmckpt,-Dvmckpt.mmu.twoWay=true"
for r in $(seq 1 $n); do
    if [ $((r % 2)) = 1 ]; then L1=$A; L2=$B; else L1=$B; L2=$A; fi
    echo "# $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) pair $r $g"
    XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/threads.py 1 --canary --guest $g --mark BENCH-DONE \
        --launcher "$L1" --launcher "$L2" --json bench/results/r75t/ww/W$((r + ${OFFSET:-0}))-$g.json | grep -v '^#'
done
