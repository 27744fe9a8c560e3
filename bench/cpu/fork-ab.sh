#!/bin/bash
# The fork phase alone, A/B/C in a quiet slot (round 75): rounds of bench/cpu/fork-repeat.py (one boot per launcher:
# boot, modules, no compute phase, then the fork phase REPEAT times), the launchers' order turning round by round
# (with three: ABC, BCA, CAB, ...), each run its own JVM, until END (HH:MM:SS UTC today); a round starts only if
# now + EST seconds (default 70) is before END. Raw JSON per run: OUT/R<round>-<name>/fork-repeat.json; then
# bench/cpu/fork-ab.py's table (run-thread CPU of the fork phase per launcher, pairs lower / total against the first).
#
#   L="base=/tmp/base74/vmckpt merged=/tmp/mainroot75/vmckpt" GUEST=signed OUT=DIR END=18:04:00 bench/cpu/fork-ab.sh
set -u
cd "$(dirname "$0")/../.."
: "${L:?L=\"NAME=PATH[,JAVA_OPTS] ...\"}" "${OUT:?OUT=a directory}" "${END:?END=HH:MM:SS (UTC)}"
read -r -a LS <<< "$L"
GUEST=${GUEST:-signed}; REPEAT=${REPEAT:-3}; EST=${EST:-70}
end=$(bench/at-time.sh "$END")
mkdir -p "$OUT"
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
log "start: ${LS[*]}; guest $GUEST; repeat $REPEAT; until $END; HEAD $(git rev-parse --short HEAD)"
n=${#LS[@]}
for r in $(seq 1 200); do
    if [ $(( $(date +%s) + EST )) -ge "$end" ]; then log "round $r not started (estimate $EST s)"; break; fi
    for k in $(seq 0 $((n - 1))); do
        spec=${LS[$(( (r - 1 + k) % n ))]}
        name=${spec%%=*}
        log "round $r $name"
        XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( end + 8 - $(date +%s) )) python3 bench/cpu/fork-repeat.py 1 --repeat "$REPEAT" \
            --no-compute --no-probe --guest "$GUEST" --launcher "$spec" --out "$OUT/R$r-$name" | grep -v '^#'
    done
done
log "end"
python3 bench/cpu/fork-ab.py "$OUT" $(for s in "${LS[@]}"; do echo "${s%%=*}"; done) | tee "$OUT/fork-ab.txt"
