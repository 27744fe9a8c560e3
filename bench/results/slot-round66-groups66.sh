#!/bin/bash
# Round 66 groups66's quiet slot (13:25-13:45 UTC): main (/tmp/mainroot66) against this branch's jar with access
# groups in hot-tier units only, run-thread CPU per phase (bench/cpu/threads.py). Each round: one run of each launcher
# to the fork phase's end on the default guest and on the signed guest (all four phases), then two more pairs of the
# default guest to its module phase's end; the launcher order turns every round. A run starts only if its estimate
# ends before END (the slot's end less a margin). Raw JSON per run in bench/results/r66g/.
# (After the slot the files were bundled into bench/results/threads-round66-groups66.json, keyed by their names.)
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 13:44:30' +%s)}
B="base=/tmp/mainroot66/vmckpt"
H="hot=./vmckpt,-Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.accessGroupsHotOnly=true"
OUT=bench/results/r66g
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
fits() { [ $(( $(date +%s) + $1 )) -lt $END ]; }
one() { # guest mark estimate tag launcher-spec...
    local guest=$1 mark=$2 est=$3 tag=$4; shift 4
    if ! fits $est; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --guest $guest --mark "$mark" \
        "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; base jar $(md5sum /tmp/mainroot66/cli/target/vmckpt.jar | cut -c1-8), hot jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
uptime
for r in $(seq 1 40); do
    if [ $((r % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r order ${L1%%=*},${L2%%=*}"
    one default "BENCH-DONE" 36 R$r-default --launcher "$L1" --launcher "$L2" || break
    one signed "BENCH-DONE" 40 R$r-signed --launcher "$L2" --launcher "$L1" || break
    one default "BENCH-INFO tainted" 11 R$r-dmod1 --launcher "$L1" --launcher "$L2" || break
    one default "BENCH-INFO tainted" 11 R$r-dmod2 --launcher "$L2" --launcher "$L1" || break
done
log "end"
uptime
