#!/usr/bin/env bash
# Round 72, branch signed72: the quiet slot's A/B (08:15-08:25 UTC): main's jar (/tmp/mainroot72, HEAD 708044e6)
# against this branch's with -Dvmckpt.jit.hotC2Direct=true. One pair per round (threads.py 1 --canary), the launchers'
# order turning every round; the signed guest to 08:21:40, then the default guest; a pair starts only if it can end
# before its series' cut-off (timeout bounds it). Raw JSON: bench/results/r72signed/R<round>-<s|d>.json; log: $LOG.
set -u
cd "$(dirname "$0")/../.."
OUT=bench/results/r72signed
LOG=bench/results/slot-round72-signed72.log
M="main=/tmp/mainroot72/vmckpt"
N="c2d=./vmckpt,-Dvmckpt.jit.hotC2Direct=true"
mkdir -p "$OUT"
until [ "$(date -u +%H%M%S)" -ge "${START:-081500}" ]; do sleep 1; done
series() { # GUEST TAG CUTOFF(HHMMSS) PAIRSECONDS
    local guest=$1 tag=$2 cutoff=$3 need=$4 r=0
    while :; do
        local now end
        now=$(date -u +%s); end=$(date -u -d "today ${cutoff:0:2}:${cutoff:2:2}:${cutoff:4:2}" +%s)
        [ $((now + need)) -le "$end" ] || break
        r=$((r + 1))
        if [ $((r % 2)) = 1 ]; then L1=$M; L2=$N; else L1=$N; L2=$M; fi
        echo "$(date -u +%T) $tag round $r ${L1%%=*},${L2%%=*} $(cut -d' ' -f1-3 /proc/loadavg)" >> "$LOG"
        XDG_RUNTIME_DIR=$(mktemp -d) timeout $((end - now)) python3 bench/cpu/threads.py 1 --canary --guest "$guest" \
            --launcher "$L1" --launcher "$L2" --json "$OUT/R$r-$tag.json" >> "$LOG" 2>&1
    done
    echo "$(date -u +%T) $tag series ended after $r rounds $(cut -d' ' -f1-3 /proc/loadavg)" >> "$LOG"
}
echo "$(date -u +%T) slot begins; jar $(md5sum cli/target/vmckpt.jar | cut -c1-8) $(ls -l --time-style=+%T cli/target/vmckpt.jar | awk '{print $6}'); main $(md5sum /tmp/mainroot72/cli/target/vmckpt.jar | cut -c1-8); $(uptime)" >> "$LOG"
series signed s "${SIGNED_END:-082140}" 24
series default d "${DEFAULT_END:-082450}" 22
echo "$(date -u +%T) slot ends; $(uptime)" >> "$LOG"
