#!/bin/bash
# Round 67, pause67: an untimed probe of what runs inside each live checkpoint's pause. One VM (the default guest's
# memdirty, 256 MiB at 10%/s, 1 GiB, a live checkpoint every second) for SECONDS, with the capture trace
# (-Dvmckpt.capture.trace=true: per capture the pause's CLOCK_MONOTONIC start/end, CPU, faults, context switches,
# run-queue wait, the process's threads on a CPU around it) and -Xlog safepoint and gc with timenanos (the same clock),
# so every safepoint and collection can be placed inside or outside each pause (round67-pause67-probesum.py).
#     round67-pause67-probe.sh TAG LAUNCHER SECONDS OUTDIR
TAG=$1 L=$2 S=$3 D=$4/$1
rm -rf $D; mkdir -p $D
echo "=== $TAG start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $4/probe.log
XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_HEAP=full \
VMCKPT_JAVA_OPTS="-Dvmckpt.capture.trace=true -Xlog:safepoint:file=$D/sp.log:timenanos -Xlog:gc:file=$D/gc.log:timenanos" \
    timeout -s INT $S $L run --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo > $D/out.txt 2> $D/err.txt
echo "=== $TAG end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $4/probe.log
