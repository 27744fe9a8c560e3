#!/bin/bash
# Round 66, branch interp66: the quiet slot 14:00-14:15 UTC. base = main (/tmp/mainroot66); ab = this branch's jar with page heat
# after the boot (65,536 instructions, threshold 7,500); mild = page heat after the boot at 262,144 with threshold 15,000 (slot2, added after S1-D2). Each series is cut at 14:15.
cd /work/wt-interp66
R=bench/results
END=$(date -u -d 'today 14:15:00' +%s)
B=base=/tmp/mainroot66/vmckpt
AB="ab=./vmckpt,-Dvmckpt.jit.pageHeat=65536 -Dvmckpt.jit.pageHeatAfterBoot=true"
MILD="mild=./vmckpt,-Dvmckpt.jit.pageHeat=262144 -Dvmckpt.jit.pageHeatThreshold=15000 -Dvmckpt.jit.pageHeatAfterBoot=true"
series() { # NAME ESTIMATE_S ARGS...
    local name=$1 est=$2; shift 2
    local now=$(date -u +%s)
    if (( now + est > END )); then echo "# $(date -u +%T) skip $name: would end after 14:15" | tee -a $R/slot-round66-interp66.log; return; fi
    echo "# $(date -u +%T) start $name: $(uptime)" | tee -a $R/slot-round66-interp66.log
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END - now )) python3 bench/cpu/threads.py "$@" --json $R/threads-round66-interp66-$name.json \
        > $R/threads-round66-interp66-$name.txt 2>&1
    echo "# $(date -u +%T) end $name (rc $?): $(uptime)" | tee -a $R/slot-round66-interp66.log
}
md5sum cli/target/vmckpt.jar | tee -a $R/slot-round66-interp66.log
git log --oneline -1 | tee -a $R/slot-round66-interp66.log
series S3 150 8 --guest signed --launcher $B --launcher "$AB" --launcher "$MILD"
series D3 90 5 --guest default --launcher "$MILD" --launcher "$AB" --launcher $B
series S4 150 8 --guest signed --launcher "$MILD" --launcher "$AB" --launcher $B
