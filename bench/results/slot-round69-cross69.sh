#!/bin/bash
# Round 69 cross69's quiet slot (23:13-23:26 UTC): main (/tmp/mainroot69) against this branch's jar with
# (co) -Dvmckpt.jit.crossOnce=true alone and (hml) -Dvmckpt.jit.hotMissLeaves=true, run-thread CPU per phase
# (bench/cpu/threads.py --canary, to BENCH-DONE: boot, modules, compute, fork). One round = one run of each launcher on
# one guest, the guests alternating (signed first), the launchers' order turning every round. A round starts only if
# its estimate ends before END. Raw JSON per round in bench/results/r69x/ (bundled afterwards into
# threads-round69-cross69.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 23:25:50' +%s)}
EST=${EST:-62}
B="main=/tmp/mainroot69/vmckpt"
C="co=./vmckpt,-Dvmckpt.jit.crossOnce=true"
H="hml=./vmckpt,-Dvmckpt.jit.hotMissLeaves=true"
OUT=bench/results/r69x
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "start; main jar $(md5sum /tmp/mainroot69/cli/target/vmckpt.jar | cut -c1-8), branch jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
pgrep -af 'vmckpt.jar|java ' | grep -v pgrep || true
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then g=signed; else g=default; fi
    case $(( (r - 1) / 2 % 3 )) in
        0) L1=$B; L2=$C; L3=$H;;
        1) L1=$H; L2=$B; L3=$C;;
        2) L1=$C; L2=$H; L3=$B;;
    esac
    if [ $(( $(date +%s) + EST )) -ge $END ]; then log "skip round $r (estimate $EST s)"; break; fi
    log "round $r $g order ${L1%%=*},${L2%%=*},${L3%%=*}"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 20 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $g --mark BENCH-DONE \
        --launcher "$L1" --launcher "$L2" --launcher "$L3" --json $OUT/R$r-$g.json | grep -v '^#'
done
log "end"
uptime
