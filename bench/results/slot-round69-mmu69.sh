#!/bin/bash
# Round 69 mmu69's quiet slot (23:26-23:39 UTC): main (/tmp/mainroot69) against this branch's jar with a TLB of 4,096
# entries per kind (tlb: -Dvmckpt.mmu.tlbBits=12) and with that plus the superpage fill and the exact single-page
# sfence.vma (all: ALL_OPTS below), run-thread CPU per phase (bench/cpu/threads.py --canary). The default guest through
# all four phases (BENCH-DONE), the three launchers in one round, the order turning every round, until DEFAULT_END; then
# the signed guest through all four phases, main against `all`, one pair a round, order turning, until END. A run starts
# only if its estimate ends before the series' end. Raw JSON per round in bench/results/r69m/ (bundled afterwards into
# threads-round69-mmu69.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 23:38:40' +%s)}
DEFAULT_END=${DEFAULT_END:-$(date -u -d 'today 23:33:10' +%s)}
TLB_OPTS="-Dvmckpt.mmu.tlbBits=12"
ALL_OPTS=${ALL_OPTS:-"-Dvmckpt.mmu.tlbBits=12 -Dvmckpt.mmu.superFill=16 -Dvmckpt.mmu.exactPageFlush=true"}
B="base=/tmp/mainroot69/vmckpt"
T="tlb=./vmckpt,$TLB_OPTS"
H="all=./vmckpt,$ALL_OPTS"
OUT=bench/results/r69m
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # end guest mark estimate tag launcher-spec...
    local end=$1 guest=$2 mark=$3 est=$4 tag=$5; shift 5
    if [ $(( $(date +%s) + est )) -ge $end ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest --mark "$mark" \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot69/cli/target/vmckpt.jar | cut -c1-8), branch jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD), TLB_OPTS $TLB_OPTS, ALL_OPTS $ALL_OPTS"
pgrep -af vmckpt.jar | cut -c1-120 || true
uptime
for r in $(seq 1 40); do
    case $((r % 3)) in
        1) L1=$B; L2=$T; L3=$H ;;
        2) L1=$H; L2=$B; L3=$T ;;
        0) L1=$T; L2=$H; L3=$B ;;
    esac
    log "round $r order ${L1%%=*},${L2%%=*},${L3%%=*}"
    one $DEFAULT_END default "BENCH-DONE" 80 R$r-default --launcher "$L1" --launcher "$L2" --launcher "$L3" || break
done
for r in $(seq 41 80); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one $END signed "BENCH-DONE" 70 R$r-signed --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
