#!/bin/bash
# An interleaved A/B series of bench/cpu/threads.py in a quiet slot, then bench/cpu/pairs.py over it (round 72: the
# shared form of the per-round slot-round*.sh scripts in bench/results, which are kept there as records).
#
#   A="main=/tmp/mainroot85/vmckpt" B="sw=/tmp/mainroot85/vmckpt,-Dvmckpt.jit.jalrSecondWay=true" \
#   OUT=/tmp/ab-sw END=08:34:40 bench/cpu/ab-slot.sh > /tmp/ab-sw.log
#
# One pair a round (`threads.py 1 --canary --guest G --mark MARK`, both launchers, each run its own JVM), the guests of
# GUESTS (default "default signed") taking turns round by round, and the order of the two launchers turning once every
# guest has had a round in it (with two guests: R1 default A,B; R2 signed A,B; R3 default B,A; R4 signed B,A; ...), so
# that each guest has as many pairs with A first as with B first. A round starts only if now + EST seconds (default 60)
# is before END (HH:MM:SS UTC today); every run is stopped at END + 8 s. Raw JSON per round: OUT/R<round>-<guest>.json.
# At the end pairs.py's table of the run thread's CPU per phase, and the same for C1's (OUT/pairs-run.txt, pairs-C1.txt).
# Round 78: with C=NAME=PATH[,JAVA_OPTS] as well, each round runs three launchers, their order turning among A,B,C,
# B,C,A and C,A,B (once every guest has had a round in it), and pairs.py's tables are made for A-B, A-C and B-C
# (OUT/pairs-run-X-Y.txt, pairs-C1-X-Y.txt, pairs-C2-X-Y.txt). Without C the series is as before (plus pairs-C2.txt).
# Round 80: with D=NAME=PATH[,JAVA_OPTS] too (and C), four launchers a round, their order turning among A,B,C,D, B,C,D,A,
# C,D,A,B and D,A,B,C, and the tables for every two of them (A-B, A-C, A-D, B-C, B-D, C-D). Without D as before.
set -u
cd "$(dirname "$0")/../.."
: "${A:?A=NAME=PATH[,JAVA_OPTS]}" "${B:?B=NAME=PATH[,JAVA_OPTS]}" "${OUT:?OUT=a directory}" "${END:?END=HH:MM:SS (UTC)}"
GUESTS=(${GUESTS:-default signed})
MARK=${MARK:-BENCH-DONE}
EST=${EST:-60}
end=$(bench/at-time.sh "$END")
mkdir -p "$OUT"
log() { echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
jar() { local p=${1#*=}; p=${p%%,*}; local j; j="$(dirname "$(readlink -f "$p")")/cli/target/vmckpt.jar"
    echo "$j md5 $(md5sum "$j" | cut -c1-8) $(ls -l --time-style=+%m-%d.%H:%M:%S "$j" | awk '{print $6}')"; }
C=${C:-}
D=${D:-}
if [ -n "$D" ] && [ -z "$C" ]; then echo "ab-slot: D needs C" >&2; exit 1; fi
log "start: A $A ($(jar "$A")); B $B ($(jar "$B"))${C:+; C $C ($(jar "$C"))}${D:+; D $D ($(jar "$D"))}; guests ${GUESTS[*]}; mark $MARK; until $END; HEAD $(git rev-parse --short HEAD)"
uptime
n=${#GUESTS[@]}
for r in $(seq 1 200); do
    g=${GUESTS[$(( (r - 1) % n ))]}
    if [ -z "$C" ]; then
        if [ $(( (r - 1) / n % 2 )) = 0 ]; then L=("$A" "$B"); else L=("$B" "$A"); fi
    elif [ -z "$D" ]; then
        case $(( (r - 1) / n % 3 )) in 0) L=("$A" "$B" "$C");; 1) L=("$B" "$C" "$A");; *) L=("$C" "$A" "$B");; esac
    else
        case $(( (r - 1) / n % 4 )) in 0) L=("$A" "$B" "$C" "$D");; 1) L=("$B" "$C" "$D" "$A");; 2) L=("$C" "$D" "$A" "$B");; *) L=("$D" "$A" "$B" "$C");; esac
    fi
    if [ $(( $(date +%s) + EST )) -ge "$end" ]; then log "round $r not started (estimate $EST s)"; break; fi
    names=""; largs=()
    for l in "${L[@]}"; do names="$names${names:+,}${l%%=*}"; largs+=(--launcher "$l"); done
    log "round $r guest $g order $names"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( end + 8 - $(date +%s) )) python3 bench/cpu/threads.py 1 --canary --guest "$g" \
        --mark "$MARK" "${largs[@]}" --json "$OUT/R$r-$g.json" | grep -v '^#'
done
log "end"
uptime
a=${A%%=*}; b=${B%%=*}
ls "$OUT"/R*.json >/dev/null 2>&1 || { echo "ab-slot: no round finished" >&2; exit 1; }
if [ -z "$C" ]; then
    python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$a" --b "$b" | tee "$OUT/pairs-run.txt"
    python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$a" --b "$b" --metric C1 > "$OUT/pairs-C1.txt"
    python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$a" --b "$b" --metric C2 > "$OUT/pairs-C2.txt"
else
    c=${C%%=*}
    pairs=("$a $b" "$a $c" "$b $c")
    if [ -n "$D" ]; then d=${D%%=*}; pairs+=("$a $d" "$b $d" "$c $d"); fi
    for xy in "${pairs[@]}"; do
        set -- $xy
        python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$1" --b "$2" | tee "$OUT/pairs-run-$1-$2.txt"
        for m in C1 C2; do python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$1" --b "$2" --metric $m > "$OUT/pairs-$m-$1-$2.txt"; done
    done
fi
