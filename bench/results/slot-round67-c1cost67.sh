#!/bin/bash
# Round 67 c1cost67's quiet slot (16:48-17:06 UTC): main (/tmp/mainroot67) against this branch's jar with C1 units that
# leave before a missing access (-Dvmckpt.jit.c1MissLeaves=true), run-thread CPU per phase (bench/cpu/threads.py). Each
# round: one pair of the signed guest through all four phases (BENCH-DONE), two pairs of the signed guest to its module
# phase's end, one pair of the default guest (to the module phase's end; all four phases in even rounds); the launcher
# order turns every run. A run starts only if its estimate ends before END (the slot's end less a margin). Raw JSON per
# pair in bench/results/r67c/ (bundled afterwards into threads-round67-c1cost67.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 17:05:40' +%s)}
B="base=/tmp/mainroot67/vmckpt"
H="c1ml=./vmckpt,-Dvmckpt.jit.c1MissLeaves=true"
OUT=bench/results/r67c
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
fits() { [ $(( $(date +%s) + $1 )) -lt $END ]; }
one() { # guest mark estimate tag launcher-spec...
    local guest=$1 mark=$2 est=$3 tag=$4; shift 4
    if ! fits $est; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --guest $guest --mark "$mark" \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot67/cli/target/vmckpt.jar | cut -c1-8), c1ml jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one signed "BENCH-DONE" 45 R$r-signed --launcher "$L1" --launcher "$L2" || break
    one signed "BENCH-INFO tainted" 16 R$r-smod1 --launcher "$L2" --launcher "$L1" || break
    one signed "BENCH-INFO tainted" 16 R$r-smod2 --launcher "$L1" --launcher "$L2" || break
    if [ $((r % 2)) = 0 ]; then
        one default "BENCH-DONE" 40 R$r-default --launcher "$L2" --launcher "$L1" || break
    else
        one default "BENCH-INFO tainted" 12 R$r-dmod --launcher "$L2" --launcher "$L1" || break
    fi
done
log "end"
uptime
