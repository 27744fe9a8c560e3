#!/bin/bash
# The boot63 slot (04:23-04:41 UTC): interleaved A/B, run-thread CPU and wall per phase, both orders.
# base = main (/tmp/mainroot63); hl26 = this branch with -Dvmckpt.jit.bootHeatHalfLife=2^26; hlt = the same with
# -Dvmckpt.jit.bootThreshold=20000 as well (the boot's units as many as main's, chosen by the half-life and a lower threshold).
cd /work/wt-boot63
R=bench/results
END=$(date -d '04:41:00' +%s)
left() { echo $(( END - $(date +%s) )); }
series() { # NAME MINSECS CMD...
  local name=$1 need=$2; shift 2
  if [ "$(left)" -lt "$need" ]; then echo "skip $name: $(left) s left" | tee -a $R/slot-round63-boot63.log; return; fi
  echo "== $name start $(date +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($(left) s left)" | tee -a $R/slot-round63-boot63.log
  XDG_RUNTIME_DIR=$(mktemp -d) timeout $(( $(left) - 5 )) "$@" > $R/$name-round63-boot63.txt 2>&1
  echo "== $name end $(date +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $R/slot-round63-boot63.log
}
B=base=/tmp/mainroot63/vmckpt; H6=hl26=./vmckpt,-Dvmckpt.jit.bootHeatHalfLife=67108864; T="hlt=./vmckpt,-Dvmckpt.jit.bootHeatHalfLife=67108864 -Dvmckpt.jit.bootThreshold=20000"
series threads-S1 200 python3 bench/cpu/threads.py 8 --guest signed --launcher $B --launcher $H6 --launcher "$T" --json $R/threads-S1-round63-boot63.json
series threads-D1 110 python3 bench/cpu/threads.py 6 --guest default --launcher $B --launcher $H6 --launcher "$T" --json $R/threads-D1-round63-boot63.json
series threads-S2 200 python3 bench/cpu/threads.py 8 --guest signed --launcher "$T" --launcher $H6 --launcher $B --json $R/threads-S2-round63-boot63.json
series threads-D2 110 python3 bench/cpu/threads.py 6 --guest default --launcher "$T" --launcher $H6 --launcher $B --json $R/threads-D2-round63-boot63.json
series threads-S3 150 python3 bench/cpu/threads.py 8 --guest signed --launcher $B --launcher "$T" --json $R/threads-S3-round63-boot63.json
series threads-D3 80 python3 bench/cpu/threads.py 6 --guest default --launcher "$T" --launcher $B --json $R/threads-D3-round63-boot63.json
series threads-S4 150 python3 bench/cpu/threads.py 8 --guest signed --launcher "$T" --launcher $B --json $R/threads-S4-round63-boot63.json
series threads-D4 80 python3 bench/cpu/threads.py 6 --guest default --launcher $B --launcher "$T" --json $R/threads-D4-round63-boot63.json
echo "slot done $(date +%T)" | tee -a $R/slot-round63-boot63.log
