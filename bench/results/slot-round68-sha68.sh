#!/bin/bash
# Round 68, branch sha68: the quiet slot (19:55-20:12 UTC). main (/tmp/mainroot68) against this branch's jar with
# -Dvmckpt.jit.crossOnce=true -Dvmckpt.jit.unrollHot=true ("cu"). In turn: a pair of the default guest's compute phase
# (bench/cpu/compute-ab.py: run-thread CPU of the phase, its sha256 and gzip parts, the boot of the same runs) and a
# pair of the signed guest to BENCH-DONE (bench/cpu/threads.py --canary: run-thread CPU of boot, modules, compute and
# fork); the launchers' order turns every two pairs. A pair starts only if its estimate ends before END. Raw JSON per
# pair in bench/results/r68s/.
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 20:11:45' +%s)}
B="base=/tmp/mainroot68/vmckpt"
U="cu=./vmckpt,-Dvmckpt.jit.crossOnce=true -Dvmckpt.jit.unrollHot=true" # (space: threads.py passes the rest as is)
OUT=bench/results/r68s
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
fits() { [ $(( $(date +%s) + $1 )) -lt $END ]; }
log "start; base jar $(md5sum /tmp/mainroot68/cli/target/vmckpt.jar | cut -c1-8), cu jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
uptime
for k in $(seq 1 40); do
    if [ $(((k + 1) / 2 % 2)) = 1 ]; then L1=$B; L2=$U; else L1=$U; L2=$B; fi
    if [ $((k % 2)) = 1 ]; then
        fits 45 || { log "skip P$k compute"; break; }
        log "P$k default compute ${L1%%=*},${L2%%=*}"
        XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 20 - $(date +%s) )) python3 bench/cpu/compute-ab.py 1 --launcher "$L1" --launcher "$L2" --json $OUT/P$k-c.json | grep -v '^#'
    else
        fits 60 || { log "skip P$k signed"; break; }
        log "P$k signed ${L1%%=*},${L2%%=*}"
        XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 20 - $(date +%s) )) python3 bench/cpu/threads.py 1 --guest signed --mark BENCH-DONE --canary \
            --launcher "$L1" --launcher "$L2" --json $OUT/P$k-s.json | grep -v '^#'
    fi
done
log "end"
uptime
