#!/bin/bash
# Round 85 (kernel85): the slot 01:26:30-01:42:30 UTC. Asleep until the start, then two A/B series with bench/cpu/ab-slot.sh:
# (1) the boot and the module phase ("BENCH-INFO tainted"), guests signed, signed, default, until 01:38:10;
# (2) a few whole runs (BENCH-DONE: compute and fork too), guests default, signed, until 01:42:20 (every run stopped by
#     01:42:28). A = main's baseline build (985ee58d), B = this branch's jar with -Dvmckpt.jit.passPending=true.
# Then pairs.py --order over each series.
set -u
cd "$(dirname "$0")/../../.."
R=bench/results/round85-kernel85
START=${START:-01:26:30}
now=$(date -u +%s); st=$(date -u -d "today $START" +%s)
[ "$st" -gt "$now" ] && sleep $(( st - now ))
export A="main=/tmp/mainroot85/vmckpt" B="pass=/work/wt-kernel85/vmckpt,-Dvmckpt.jit.passPending=true"
GUESTS="signed signed default" MARK="BENCH-INFO tainted" EST=${EST1:-25} OUT=${OUT1:-$R/slot} END=${END1:-01:38:10} bench/cpu/ab-slot.sh
GUESTS="default signed" MARK="BENCH-DONE" EST=${EST2:-55} OUT=${OUT2:-$R/slot-full} END=${END2:-01:42:20} bench/cpu/ab-slot.sh
for o in ${OUT1:-$R/slot} ${OUT2:-$R/slot-full}; do
    ls $o/R*.json >/dev/null 2>&1 || continue
    for m in run C1 C2; do python3 bench/cpu/pairs.py $o/R*.json --a main --b pass --metric $m --order > $o/pairs-order-$m.txt 2>&1; done
done
echo "# slot script done $(date -u +%T)"
