#!/bin/bash
# Round 72 ways72's quiet slot (08:05-08:15 UTC): main (/tmp/mainroot72) against this branch's jar with the two-way TLB
# (twoway: -Dvmckpt.mmu.twoWay=true), run-thread CPU per phase (bench/cpu/threads.py --canary). The default guest
# through all four phases (BENCH-DONE), one pair a round, the order turning every round, until DEFAULT_END; then the
# signed guest the same way until END. A run starts only if its estimate ends before the series' end. Raw JSON per round
# in bench/results/r72w/slot/ (bundled afterwards into threads-round72-ways72.json). Adapted from slot-round71-tlb71.sh.
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 08:14:45' +%s)}
DEFAULT_END=${DEFAULT_END:-$(date -u -d 'today 08:10:00' +%s)}
TWOWAY_OPTS=${TWOWAY_OPTS:-"-Dvmckpt.mmu.twoWay=true"}
B="base=/tmp/mainroot72/vmckpt"
N="twoway=./vmckpt,$TWOWAY_OPTS"
OUT=bench/results/r72w/slot
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # end guest mark estimate tag launcher-spec...
    local end=$1 guest=$2 mark=$3 est=$4 tag=$5; shift 5
    if [ $(( $(date +%s) + est )) -ge $end ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 8 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest --mark "$mark" \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot72/cli/target/vmckpt.jar | cut -c1-8), branch jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD), TWOWAY_OPTS $TWOWAY_OPTS"
pgrep -af vmckpt.jar | cut -c1-120 || true
uptime
# First one pair of the conflict guest (bench/cpu/build-conflict-guest.sh: two pages in turn sharing a slot).
log "round 81 order base,twoway"
one $DEFAULT_END conflict72 "BENCH-DONE" 45 R81-conflict72 --launcher "$B" --launcher "$N"
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$N; else L1=$N; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one $DEFAULT_END default "BENCH-DONE" 48 R$r-default --launcher "$L1" --launcher "$L2" || break
done
for r in $(seq 41 80); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$N; else L1=$N; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one $END signed "BENCH-DONE" 55 R$r-signed --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
