#!/bin/bash
# Round 71 lean71's quiet slot (05:30-05:41 UTC): main (/tmp/mainroot71, HEAD 05ef7226: two fast loops, the older form
# by default) against this branch's lean-only jar (the lean form as the only fast loop, ./vmckpt as built by ./build in
# this worktree, with its own class-data archive), run-thread CPU per phase (bench/cpu/threads.py --canary). Three
# blocks: (1) the default guest to "BENCH-INFO tainted" (boot to /init and the module phase), (2) the signed guest the
# same, (3) BENCH-DONE runs (all four phases, for the fork phase), default and signed alternating. One pair a round;
# the launchers' order turns every pair within a block (main,lean / lean,main / ...). A round starts only if its
# estimate ends before its block's end. Raw JSON per pair in bench/results/r71lean/ (bundled afterwards into
# threads-round71-lean71.json).
cd "$(dirname "$0")/../.."
day=$(date -u +%F)
END1=${END1:-$(date -u -d "$day 05:33:45" +%s)}
END2=${END2:-$(date -u -d "$day 05:37:30" +%s)}
END3=${END3:-$(date -u -d "$day 05:40:50" +%s)}
B="main=/tmp/mainroot71/vmckpt"
H="lean=./vmckpt"
OUT=bench/results/r71lean
mkdir -p $OUT
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
one() { # end guest mark estimate tag launcher-spec...
    local end=$1 guest=$2 mark=$3 est=$4 tag=$5; shift 5
    if [ $(( $(date +%s) + est )) -ge $end ]; then log "skip $tag (estimate $est s)"; return 1; fi
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( end + 30 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest $guest \
        --mark "$mark" "$@" --json $OUT/$tag.json | grep -v '^#'
}
order() { if [ $(($1 % 2)) = 1 ]; then L1=$B; L2=$H; else L1=$H; L2=$B; fi; }
log "start; main jar $(md5sum /tmp/mainroot71/cli/target/vmckpt.jar | cut -c1-8), lean jar $(md5sum cli/target/vmckpt.jar | cut -c1-8), HEAD $(git rev-parse --short HEAD)"
ls -l --time-style=+%H:%M:%S /tmp/mainroot71/cli/target/vmckpt.jar /tmp/mainroot71/cli/target/vmckpt.jsa cli/target/vmckpt.jar cli/target/vmckpt.jsa
pgrep -af vmckpt.jar || true
uptime
r=0
for k in $(seq 1 40); do
    r=$((r + 1)); order $k; log "round $r default order ${L1%%=*},${L2%%=*}"
    one $END1 default "BENCH-INFO tainted" 20 R$r-d --launcher "$L1" --launcher "$L2" || break
done
for k in $(seq 1 40); do
    r=$((r + 1)); order $k; log "round $r signed order ${L1%%=*},${L2%%=*}"
    one $END2 signed "BENCH-INFO tainted" 24 R$r-s --launcher "$L1" --launcher "$L2" || break
done
for k in $(seq 1 40); do
    r=$((r + 1)); order $(( (k + 1) / 2 ))
    if [ $((k % 2)) = 1 ]; then g=default; s=df; est=42; else g=signed; s=sf; est=50; fi
    log "round $r $g BENCH-DONE order ${L1%%=*},${L2%%=*}"
    one $END3 $g BENCH-DONE $est R$r-$s --launcher "$L1" --launcher "$L2" || break
done
log "end"
uptime
