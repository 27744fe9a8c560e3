#!/bin/bash
# The emit64 slot's last minutes, after slot-round64-emit64.sh (07:28-07:46 UTC): interleaved A/B/C, run-thread CPU per phase, both orders.
# base = main (/tmp/mainroot64); cmp = this branch with -Dvmckpt.jit.compactEmit=true; lv = cmp with
# -Dvmckpt.jit.compactMissLeaves=true (C1 units leave before a missing access).
cd /work/wt-emit64
R=bench/results
END=$(date -d '07:45:50' +%s)
left() { echo $(( END - $(date +%s) )); }
series() { # NAME MINSECS CMD...
  local name=$1 need=$2; shift 2
  if [ "$(left)" -lt "$need" ]; then echo "skip $name: $(left) s left" | tee -a $R/slot-round64-emit64.log; return; fi
  echo "== $name start $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($(left) s left)" | tee -a $R/slot-round64-emit64.log
  XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( $(left) - 5 )) "$@" > $R/$name-round64-emit64.txt 2>&1
  echo "== $name end $(date +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $R/slot-round64-emit64.log
}
B=base=/tmp/mainroot64/vmckpt
C=cmp=./vmckpt,-Dvmckpt.jit.compactEmit=true
LT="lv=./vmckpt,-Dvmckpt.jit.compactEmit=true -Dvmckpt.jit.compactMissLeaves=true"   # threads.py: options space-separated
LC="lv=./vmckpt,-Dvmckpt.jit.compactEmit=true,-Dvmckpt.jit.compactMissLeaves=true"   # compute-ab.py: comma-separated
series threads-S4 95 python3 bench/cpu/threads.py 6 --guest signed --launcher $B --launcher "$LT" --launcher $C --json $R/threads-S4-round64-emit64.json
series threads-D4 55 python3 bench/cpu/threads.py 5 --guest default --launcher "$LT" --launcher $B --launcher $C --json $R/threads-D4-round64-emit64.json
echo "slot2 done $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $R/slot-round64-emit64.log
