#!/bin/bash
# Round 85, branch gzip85: the slot's A/B (01:10:00-01:26:30 UTC). A = main's baseline build (985ee58d), B = this
# branch's build with -Dvmckpt.jit.hotTlbNonNull=true. Sleeps until START, runs bench/cpu/ab-slot.sh until END (its
# runs are stopped at END + 8 s, so END is the slot's end less 10 s), then pairs.py's tables with the compute phase's
# parts and sign tests.
#   bench/results/round85-gzip85/slot-gzip85.sh > bench/results/round85-gzip85/slot.log 2>&1 &
cd "$(dirname "$0")/../../.."
START=${START:-01:10:00}
END=${END:-01:26:20}
OUT=bench/results/round85-gzip85/slot
now=$(date -u +%s); start=$(date -u -d "today $START" +%s)
[ $start -gt $now ] && sleep $(( start - now ))
A="main=/tmp/mainroot85/vmckpt" B="nonnull=/work/wt-gzip85/vmckpt,-Dvmckpt.jit.hotTlbNonNull=true" \
    GUESTS="default signed" MARK=BENCH-DONE OUT=$OUT END=$END EST=${EST:-70} bench/cpu/ab-slot.sh
P="boot,modules,compute,fork,gzip,sha256"
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b nonnull --phases $P --order > $OUT/pairs-run-order.txt 2>&1
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b nonnull --phases $P --metric C2 > $OUT/pairs-C2-parts.txt 2>&1
python3 bench/cpu/pairs.py $OUT/R*.json --a main --b nonnull --phases $P --metric C1 > $OUT/pairs-C1-parts.txt 2>&1
echo "# slot script done $(date -u +%H:%M:%S)"
