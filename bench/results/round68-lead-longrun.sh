#!/bin/bash
# usage: round68-lead-longrun.sh LAUNCHER TAG SECONDS [HISTO_AT_SECONDS...]  (EXTRA_OPTS for -D switches, RUN_ARGS for run options)
L=$1; TAG=$2; S=$3; shift 3
D=/tmp/long68/$TAG; rm -rf $D; mkdir -p $D
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_HEAP=full VMCKPT_JAVA_OPTS="-Xlog:gc*:file=$D/gc.log:uptimemillis ${EXTRA_OPTS:-}" nice -n 19 timeout -s INT $S $L run --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo ${RUN_ARGS:-} > $D/out.txt 2> $D/err.txt &
start=$(date +%s)
for h in "$@"; do
  while [ $(( $(date +%s) - start )) -lt $h ]; do sleep 2; done
  pid=$(pgrep -f "vmckpt.jar.*--repo $D/repo" | head -1)
  [ -n "$pid" ] && jcmd $pid GC.class_histogram -all > $D/histo-$h.txt 2>&1
done
wait
echo rc=$? >> $D/out.txt
