#!/bin/bash
# Round 86, branch loop86: the slot's A/B (04:15:00-04:45:00 UTC). A = main's baseline build (15885229, /tmp/mainroot86),
# B = this branch's build with -Dvmckpt.jit.loopLive=true. Sleeps until START, runs bench/cpu/ab-slot.sh until END (its
# runs are stopped at END + 8 s, so END is the slot's end less ~15 s), then pairs.py's tables with the compute phase's
# parts and sign tests. Started after midnight, so "today" is the slot's day (round 85 kernel85's (a)).
#   bench/results/round86-loop86/slot-loop86.sh > bench/results/round86-loop86/slot.log 2>&1 &
cd "$(dirname "$0")/../../.."
START=${START:-04:15:00}
END=${END:-04:44:45}
OUT=${OUT:-bench/results/round86-loop86/slot}
now=$(date -u +%s); start=$(date -u -d "today $START" +%s)
[ $start -gt $now ] && sleep $(( start - now ))
A="main=/tmp/mainroot86/vmckpt" B="loop=/work/wt-loop86/vmckpt,-Dvmckpt.jit.loopLive=true" \
    GUESTS="default signed" MARK=BENCH-DONE OUT=$OUT END=$END EST=${EST:-60} bench/cpu/ab-slot.sh
P="boot,modules,compute,fork,gzip,sha256"
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b loop --phases $P --order > $OUT/pairs-run-order.txt 2>&1
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b loop --phases $P --metric C2 > $OUT/pairs-C2-parts.txt 2>&1
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b loop --phases $P --metric C1 > $OUT/pairs-C1-parts.txt 2>&1
echo "# slot script done $(date -u +%H:%M:%S)"
