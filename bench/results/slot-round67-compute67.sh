#!/bin/bash
# Round 67 compute67's quiet slot (17:06-17:24 UTC): main (/tmp/mainroot67) against this branch's jar with
# -Dvmckpt.jit.tlbMasks=true (TLB indices masked by the arrays' own lengths in hot-tier units). Each round: two pairs of
# the default guest's compute phase (bench/cpu/compute-ab.py: run-thread CPU of the phase and its sha256 and gzip
# parts, the boot of the same runs) and one pair of the signed guest to BENCH-DONE (bench/cpu/threads.py: run-thread
# CPU of every phase); the launcher order turns within and between rounds. A run starts only if its estimate ends
# before END (the slot's end less a margin). Raw JSON per run in bench/results/r67c/.
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 17:23:40' +%s)}
B="base=/tmp/mainroot67/vmckpt"
M="masks=./vmckpt,-Dvmckpt.jit.tlbMasks=true"
OUT=bench/results/r67c
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
fits() { [ $(( $(date +%s) + $1 )) -lt $END ]; }
compute() { # estimate tag launcher-spec...
    local est=$1 tag=$2; shift 2
    if ! fits $est; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/compute-ab.py 1 "$@" --json $OUT/$tag.json
}
signed() { # estimate tag launcher-spec...
    local est=$1 tag=$2; shift 2
    if ! fits $est; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --guest signed --mark BENCH-DONE \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot67/cli/target/vmckpt.jar | cut -c1-8), masks jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$M; else L1=$M; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    compute 45 R$r-c1 --launcher "$L1" --launcher "$L2" || break
    compute 45 R$r-c2 --launcher "$L2" --launcher "$L1" || break
    signed 50 R$r-s --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
