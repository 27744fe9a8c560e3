#!/bin/bash
# Round 70 lean70's quiet slot (02:00-02:11 UTC): main (/tmp/mainroot70, round 69's HEAD) against this branch's jar with
# the fast loop's lean form and its cache of 16-bit expansions by place (-Dvmckpt.interp.leanLoop=true
# -Dvmckpt.interp.expansionCache=true), run-thread CPU of every phase of bench/cpu's guests (boot to /init, modules,
# compute, fork: bench/cpu/threads.py --canary --mark BENCH-DONE). Rounds alternate the guests (odd: signed, even:
# default), one pair a round; each guest's pairs turn the launchers' order every pair (main,new / new,main / ...). A
# round starts only if its estimate ends before END. The new jar is a copy of the branch's build (NEWROOT) so that
# nothing built later changes it. Raw JSON per pair in bench/results/r70lean/ (bundled afterwards into
# threads-round70-lean70.json).
cd "$(dirname "$0")/../.."
END=${END:-$(date -u -d 'today 02:10:45' +%s)}
NEWROOT=${NEWROOT:-/tmp/lean70-slot}
B="main=/tmp/mainroot70/vmckpt"
H="new=$NEWROOT/vmckpt,-Dvmckpt.interp.leanLoop=true -Dvmckpt.interp.expansionCache=true"
OUT=bench/results/r70lean
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # guest estimate tag launcher-spec...
    local guest=$1 est=$2 tag=$3; shift 3
    if [ $(( $(date +%s) + est )) -ge $END ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( END + 40 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest \
        --mark BENCH-DONE "$@" --json $OUT/$tag.json | grep -v '^#'
}
log "start; main jar $(md5sum /tmp/mainroot70/cli/target/vmckpt.jar | cut -c1-8), new jar $(md5sum $NEWROOT/cli/target/vmckpt.jar | cut -c1-8) ($(cat $NEWROOT/COMMIT 2>/dev/null))"
pgrep -af vmckpt.jar || true
uptime
for r in $(seq 1 80); do
    if [ $((r % 2)) = 1 ]; then g=signed; s=s; est=48; else g=default; s=d; est=40; fi
    k=$(( (r + 1) / 2 ))
    if [ $((k % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi
    log "round $r $g order ${L1%%=*},${L2%%=*}"
    one $g $est R$r-$s --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
