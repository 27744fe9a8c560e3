#!/bin/bash
# Round 69 cold69's quiet slot (23:00-23:13 UTC): main (/tmp/mainroot69) against this branch's jar with the fast loop's
# lean form (-Dvmckpt.interp.leanLoop=true), run-thread CPU of the boot to /init and of the module phase
# (bench/cpu/threads.py --canary, to "BENCH-INFO tainted", one after modules-end). Rounds alternate the guests (odd:
# signed, even: default), one pair a round; each guest's pairs turn the launchers' order every pair (main,lean /
# lean,main / ...). A round starts only if its estimate ends before END. Raw JSON per pair in bench/results/r69cold/
# (bundled afterwards into threads-round69-cold69.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 23:12:40' +%s)}
B="main=/tmp/mainroot69/vmckpt"
H="lean=./vmckpt,-Dvmckpt.interp.leanLoop=true"
OUT=bench/results/r69cold
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # guest estimate tag launcher-spec...
    local guest=$1 est=$2 tag=$3; shift 3
    if [ $(( $(date +%s) + est )) -ge $END ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 15 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest \
        --mark "BENCH-INFO tainted" "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; main jar $(md5sum /tmp/mainroot69/cli/target/vmckpt.jar | cut -c1-8), lean jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
pgrep -af vmckpt.jar || true
uptime
for r in $(seq 1 80); do
    if [ $((r % 2)) = 1 ]; then g=signed; s=s; est=24; else g=default; s=d; est=20; fi
    k=$(( (r + 1) / 2 ))
    if [ $((k % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r $g order ${L1%%=*},${L2%%=*}"
    one $g $est R$r-$s --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
