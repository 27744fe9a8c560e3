#!/bin/bash
# Round 70 user70's quiet slot (02:11-02:22 UTC): main (/tmp/mainroot70, round 69's HEAD) against this branch's jar
# with -Dvmckpt.jit.hotMissLeavesUser=true (hmlu), run-thread CPU per phase (bench/cpu/threads.py --canary, to
# BENCH-DONE: boot, modules, compute, fork). One round = one run of each launcher on one guest, the guests alternating
# (signed first), the order turning every two rounds (main,hmlu / hmlu,main: each guest gets both orders). A round
# starts only if its estimate ends before END. Raw JSON per round in bench/results/r70u/ (bundled afterwards into
# threads-round70-user70.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 02:21:45' +%s)}
EST=${EST:-58}
B="main=/tmp/mainroot70/vmckpt"
H="hmlu=./vmckpt,-Dvmckpt.jit.hotMissLeavesUser=true"
OUT=${OUT:-bench/results/r70u}
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "start; main jar $(md5sum /tmp/mainroot70/cli/target/vmckpt.jar | cut -c1-8), branch jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
pgrep -af 'vmckpt.jar|java ' | grep -v pgrep || true
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then g=signed; else g=default; fi
    if [ $(( (r - 1) / 2 % 2 )) = 0 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    if [ $(( $(date +%s) + EST )) -ge $END ]; then log "skip round $r (estimate $EST s)"; break; fi
    log "round $r $g order ${L1%%=*},${L2%%=*}"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 20 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $g --mark BENCH-DONE \
        --launcher "$L1" --launcher "$L2" --json $OUT/R$r-$g.json | grep -v '^#'
done
log "end"
uptime
