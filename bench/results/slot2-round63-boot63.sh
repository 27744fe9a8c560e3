#!/bin/bash
# The rest of the boot63 slot (04:33-04:41 UTC): the half-life alone (hl26) against main, both guests.
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
B=base=/tmp/mainroot63/vmckpt; H6=hl26=./vmckpt,-Dvmckpt.jit.bootHeatHalfLife=67108864
series threads-S5 130 python3 bench/cpu/threads.py 8 --guest signed --launcher $H6 --launcher $B --json $R/threads-S5-round63-boot63.json
series threads-D5 70 python3 bench/cpu/threads.py 6 --guest default --launcher $B --launcher $H6 --json $R/threads-D5-round63-boot63.json
series threads-S6 120 python3 bench/cpu/threads.py 6 --guest signed --launcher $B --launcher $H6 --json $R/threads-S6-round63-boot63.json
echo "slot2 done $(date +%T)" | tee -a $R/slot-round63-boot63.log
