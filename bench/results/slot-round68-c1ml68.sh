#!/bin/bash
# Round 68 c1ml68's quiet slot (20:12-20:29 UTC): main (/tmp/mainroot68) against this branch's jar with C1 units that
# leave before a missing access and the rebuild of those that leave every few instructions
# (-Dvmckpt.jit.c1MissLeaves=true -Dvmckpt.jit.c1MissRebuild=128, c1MissInsns 1,000), run-thread CPU per phase
# (bench/cpu/threads.py --canary). First the default guest through all four phases (BENCH-DONE), one pair a round,
# the launcher order turning every round, until DEFAULT_END; then the signed guest to its module phase's end, one pair a
# round, order turning, until END. A run starts only if its estimate ends before the series' end. Raw JSON per pair in
# bench/results/r68c/ (bundled afterwards into threads-round68-c1ml68.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 20:28:40' +%s)}
DEFAULT_END=${DEFAULT_END:-$(date -u -d 'today 20:23:30' +%s)}
B="base=/tmp/mainroot68/vmckpt"
H="c1mr=./vmckpt,-Dvmckpt.jit.c1MissLeaves=true -Dvmckpt.jit.c1MissRebuild=128"
OUT=bench/results/r68c
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # end guest mark estimate tag launcher-spec...
    local end=$1 guest=$2 mark=$3 est=$4 tag=$5; shift 5
    if [ $(( $(date +%s) + est )) -ge $end ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest --mark "$mark" \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot68/cli/target/vmckpt.jar | cut -c1-8), c1mr jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
pgrep -af vmckpt.jar || true
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one $DEFAULT_END default "BENCH-DONE" 55 R$r-default --launcher "$L1" --launcher "$L2" || break
done
for r in $(seq 41 80); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one $END signed "BENCH-INFO tainted" 22 R$r-smod --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
