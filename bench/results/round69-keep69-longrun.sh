#!/bin/bash
# usage: round69-keep69-longrun.sh LAUNCHER TAG SECONDS   (EXTRA_OPTS: -D switches for the JVM)
# Round 68's lead script (round68-lead-longrun.sh) with --keep-checkpoints 10 and --stats (each periodic checkpoint's
# downtime on stderr, timestamped here), the repository's size sampled every 15 s.
L=$1; TAG=$2; S=$3
D=/tmp/long69/$TAG; rm -rf $D; mkdir -p $D
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_HEAP=full VMCKPT_JAVA_OPTS="-Xlog:gc*:file=$D/gc.log:uptimemillis ${EXTRA_OPTS:-}" nice -n 19 timeout -s INT $S $L run \
  --mem 1G --workload memdirty,256,10,100 --checkpoint-every 1s --keep-checkpoints 10 --stats --repo $D/repo \
  > $D/out.txt 2> >(while IFS= read -r l; do printf '%s %s\n' "$(date +%s.%N)" "$l"; done > $D/err.txt) &
vm=$!
start=$(date +%s)
while kill -0 $vm 2>/dev/null; do
  t=$(( $(date +%s) - start ))
  if [ -d $D/repo/packs ]; then
    b=$(du -sb $D/repo | cut -f1); pb=$(du -sb $D/repo/packs | cut -f1)
    np=$(ls $D/repo/packs | wc -l); nc=$(ls $D/repo/checkpoints | wc -l)
    echo "$t $b $pb $np $nc $(cut -d' ' -f1 /proc/loadavg)" >> $D/du.txt
  fi
  sleep 15
done
wait $vm
echo rc=$? >> $D/out.txt
