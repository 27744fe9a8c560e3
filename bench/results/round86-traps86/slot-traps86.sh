#!/bin/bash
# Round 86 traps86's slot (03:45:00-04:15:00 UTC): bench/cpu/ab-slot.sh, A = main's baseline build (15885229),
# B = the same launcher with C2's uncommon traps on (-XX:PerMethodTrapLimit=100, HotSpot's default; VMCKPT_JAVA_OPTS
# comes after the launcher's own -XX:PerMethodTrapLimit=0, so it wins), both guests to BENCH-DONE; then pairs.py's
# tables with --order for every phase and part, for the run thread, C1 and C2.
#   nohup bench/results/round86-traps86/slot-traps86.sh > bench/results/round86-traps86/slot.log 2>&1 &
# With C86="NAME=PATH[,OPTS]" in the environment a third launcher runs too (this round: trap1 = the same launcher with
# -XX:PerMethodTrapLimit=1, chosen from the write window's counts). START, END, EST, OUT, GUESTS, MARK: for a dry run.
set -u
cd "$(dirname "$0")/../../.."
START=${START:-03:45:00}
OUT=${OUT:-bench/results/round86-traps86/slot}
s=$(date -u -d "today $START" +%s); now=$(date +%s)
[ "$s" -gt "$now" ] && { echo "# sleeping $((s - now)) s until $START"; sleep $((s - now)); }
A="main=/tmp/mainroot86/vmckpt" B="traps=/tmp/mainroot86/vmckpt,-XX:PerMethodTrapLimit=100" C="${C86:-}" \
  GUESTS="${GUESTS:-default signed}" MARK=${MARK:-BENCH-DONE} OUT="$OUT" END=${END:-04:14:50} EST=${EST:-60} bench/cpu/ab-slot.sh
ph=boot,modules,compute,fork,gzip,sha256
if [ -z "${C86:-}" ]; then
  for m in run C1 C2; do
    python3 bench/cpu/pairs.py "$OUT"/R*.json --a main --b traps --metric $m --phases $ph --order > "$OUT/order-$m.txt"
  done
else
  c=${C86%%=*}
  for xy in "main traps" "main $c" "traps $c"; do set -- $xy
    for m in run C1 C2; do
      python3 bench/cpu/pairs.py "$OUT"/R*.json --a $1 --b $2 --metric $m --phases $ph --order > "$OUT/order-$m-$1-$2.txt"
    done
  done
fi
echo "# $(date -u +%H:%M:%S) tables done"
