#!/bin/sh
# usage: longrun.sh LAUNCHER TAG SECONDS [HEAPMODE]
L=$1; TAG=$2; S=$3; MODE=${4:-full}
D=/tmp/heap64/$TAG; rm -rf $D; mkdir -p $D
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_HEAP=$MODE VMCKPT_JAVA_OPTS="-Xlog:gc:file=$D/gc.log:uptimemillis ${EXTRA_OPTS:-}" nice -n 10 timeout -s INT $S $L run --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --repo $D/repo > $D/out.txt 2> $D/err.txt
echo rc=$? >> $D/out.txt
