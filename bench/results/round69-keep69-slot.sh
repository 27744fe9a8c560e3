#!/bin/bash
# Round 69, keep69's quiet slot (23:39-23:49 UTC): issue 9's signed guest (bench/restore.py's signed_guest: the stock
# Debian kernel, its signed modules, a plain mke2fs ext4 disk, the default /init appended) with memdirty (256 MiB at
# 10%/s, 1 GiB) and a live checkpoint every second, one VM at a time, main's launcher (/tmp/mainroot69: round 68's
# code, the real-time capture on by default) with the capture real-time (default) and without
# (-Dvmckpt.capture.realtime=false), RUN_S seconds each, in the order RUNS (default rt off off rt). As pause68's slot
# (round68-pause68-slot.sh): the console timestamped (round66-gc66-stamp.py), gc.log and sp.log with wall-clock times,
# the repository. A run starts only if it can end before the slot does. Stats after the slot: round68-pause68-stats.sh's
# keys and round68-pause68-slotsum.py.
cd /work/wt-keep69
S=${S:-/tmp/k69slot/slot}; mkdir -p $S
G=${G:-/tmp/k69slot/guest-signed}
END=$(date -u -d "today ${SLOT_END:-23:49}" +%s)
RUN_S=${RUN_S:-125}
log=$S/slot.log
MAIN=/tmp/mainroot69/vmckpt
stamp() { echo "=== $* $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $log; }
run() { # TAG EXTRA-JAVA-OPTS
    local D=$S/$1; rm -rf $D; mkdir -p $D
    [ $(( $(date +%s) + RUN_S + 5 )) -le $END ] || { stamp "$1 not started: no room"; return; }
    stamp "$1 start"
    XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_HEAP=full \
    VMCKPT_JAVA_OPTS="$2 -Xlog:gc*:file=$D/gc.log:time,uptimemillis -Xlog:safepoint:file=$D/sp.log:time" \
        timeout -s INT $RUN_S $MAIN run --kernel $G/Image --initrd $G/initramfs.cpio.gz --append "$(cat $G/cmdline)" \
        --disk $G/disk.img --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo \
        2> $D/err.txt | python3 -u bench/results/round66-gc66-stamp.py > $D/out.txt
    stamp "$1 end rc=${PIPESTATUS[0]}"
}
stamp "slot start"
i=0
for r in ${RUNS:-rt off off rt}; do
    i=$((i + 1))
    case $r in
        rt) run $i-rt "" ;;
        off) run $i-off "-Dvmckpt.capture.realtime=false" ;;
    esac
done
stamp "slot end"
