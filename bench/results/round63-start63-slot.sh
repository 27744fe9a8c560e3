#!/bin/bash
# round 63 start63's quiet slot, 04:59-05:17 UTC: every series capped to end by 05:16:50.
cd /work/wt-start63
R=bench/results
MAIN=/tmp/mainroot63/cli/target/vmckpt.jar
NEW=/work/wt-start63/cli/target/vmckpt.jar
# restore --mem 1G's heap under VMCKPT_HEAP=fit (3,344 MiB); the dummy property names the variant "on" in restore-cpu-ab-rounds.py
FIT="$NEW@-Xms3344m,-Dround63.fit=true"
REPO=/tmp/s63/work/repo-memrandom
END=$(date -u -d "05:16:50" +%s)
left() { echo $((END - $(date -u +%s))); }
log() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*" | tee -a $R/round63-start63-slot-log.txt; }
series() {  # NAME SECONDS_NEEDED CMD...
    name=$1; need=$2; shift 2
    if [ "$(left)" -lt "$need" ]; then log "skip $name: $(left) s left, needs $need"; return; fi
    log "start $name"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(left) "$@" > $R/round63-start63-$name.txt 2>&1
    log "end $name (rc $?)"
}
log "slot begins; top: $(ps -eo pid,pcpu,comm --sort=-pcpu | head -4 | tail -3 | tr -s ' ' | tr '\n' ';')"
series restore-warm 30 python3 bench/restore-cpu-ab.py $REPO 1 $NEW --label memrandom-later-0
grep -o "cached.items [0-9]*" $R/round63-start63-restore-warm.txt | head -2 | tee -a $R/round63-start63-slot-log.txt
series boot-a 330 python3 bench/start-ab.py 12 main=/tmp/mainroot63/vmckpt fit=./vmckpt,VMCKPT_HEAP=fit "pf=./vmckpt,VMCKPT_JAVA_OPTS=-Dvmckpt.run.prefault=true" "fitpf=./vmckpt,VMCKPT_HEAP=fit,VMCKPT_JAVA_OPTS=-Dvmckpt.run.prefault=true"
series restore-fwd 120 python3 bench/restore-cpu-ab.py $REPO 8 $MAIN $NEW "$FIT" --label memrandom-later-0
series restore-rev 120 python3 bench/restore-cpu-ab.py $REPO 8 "$FIT" $NEW $MAIN --label memrandom-later-0
series restore-fwd-gap4 130 python3 bench/restore-cpu-ab.py $REPO 5 $MAIN $NEW --label memrandom-later-0 --gap 4
series restore-rev-gap4 130 python3 bench/restore-cpu-ab.py $REPO 5 $NEW $MAIN --label memrandom-later-0 --gap 4
series boot-b 280 python3 bench/start-ab.py 10 "fitpf=./vmckpt,VMCKPT_HEAP=fit,VMCKPT_JAVA_OPTS=-Dvmckpt.run.prefault=true" "pf=./vmckpt,VMCKPT_JAVA_OPTS=-Dvmckpt.run.prefault=true" fit=./vmckpt,VMCKPT_HEAP=fit main=/tmp/mainroot63/vmckpt
series restore-fwd2 100 python3 bench/restore-cpu-ab.py $REPO 6 $MAIN $NEW "$FIT" --label memrandom-later-0
log "slot script done"
