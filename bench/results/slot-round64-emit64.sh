#!/bin/bash
# The emit64 slot (07:28-07:46 UTC): interleaved A/B/C, run-thread CPU per phase, both orders.
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
md5sum cli/target/vmckpt.jar /tmp/mainroot64/cli/target/vmckpt.jar | tee -a $R/slot-round64-emit64.log
series threads-S1 130 python3 bench/cpu/threads.py 6 --guest signed --launcher $B --launcher $C --launcher "$LT" --json $R/threads-S1-round64-emit64.json
series threads-D1 110 python3 bench/cpu/threads.py 5 --guest default --launcher $B --launcher $C --launcher "$LT" --json $R/threads-D1-round64-emit64.json
series compute-C1 130 python3 bench/cpu/compute-ab.py 2 --launcher $B --launcher $C --launcher "$LC" --json $R/compute-C1-round64-emit64.json
series threads-S2 130 python3 bench/cpu/threads.py 6 --guest signed --launcher "$LT" --launcher $C --launcher $B --json $R/threads-S2-round64-emit64.json
series threads-D2 110 python3 bench/cpu/threads.py 5 --guest default --launcher "$LT" --launcher $C --launcher $B --json $R/threads-D2-round64-emit64.json
series compute-C2 130 python3 bench/cpu/compute-ab.py 2 --launcher "$LC" --launcher $C --launcher $B --json $R/compute-C2-round64-emit64.json
series threads-S3 130 python3 bench/cpu/threads.py 6 --guest signed --launcher $C --launcher $B --launcher "$LT" --json $R/threads-S3-round64-emit64.json
series threads-D3 100 python3 bench/cpu/threads.py 5 --guest default --launcher $C --launcher "$LT" --launcher $B --json $R/threads-D3-round64-emit64.json
series compute-C3 130 python3 bench/cpu/compute-ab.py 2 --launcher $C --launcher $B --launcher "$LC" --json $R/compute-C3-round64-emit64.json
echo "slot done $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $R/slot-round64-emit64.log
