#!/bin/bash
# Round 73 (cboz73): the default guest (1 GiB) running memdirty (256 MiB, 10%/s, heartbeat 100 ms) with Zicboz off or on:
# instruction and cbo.zero counts at each heartbeat (-Dvmckpt.stats.markPrefix), before a live checkpoint at ~30
# heartbeats and after an eager restore of it (30 heartbeats). Untimed counts. Usage: run.sh TAG [JAVA_OPTS...]
tag=$1; shift
D=/work/wt-cboz73/bench/results/restore-zeroing-round73-cboz73
V=/work/wt-cboz73/vmckpt; G=~/.cache/vmckpt/guest
export XDG_RUNTIME_DIR=$(mktemp -d)
R=$(mktemp -d)/repo
export VMCKPT_JAVA_OPTS="-Dvmckpt.stats.markPrefix=memdirty $*"
$V run --mem 1G --append "$(cat $G/cmdline) vmckpt.workload=memdirty vmckpt.args=256,10,100" --name z$tag --repo $R \
   --stats --console $D/$tag-run.console > /dev/null 2> $D/$tag-run.err &
pid=$!
until grep -q "memdirty heartbeat 30" $D/$tag-run.console 2>/dev/null; do sleep 1; kill -0 $pid || exit 1; done
$V checkpoint z$tag --label z > $D/$tag-ckpt.txt 2>&1
sleep 1; $V quit z$tag; wait $pid
$V restore z --repo $R --name r$tag --stats --console $D/$tag-restore.console > /dev/null 2> $D/$tag-restore.err &
pid=$!
n0=$(grep -c "memdirty heartbeat" $D/$tag-restore.console 2>/dev/null || true)
until [ "$(grep -c 'memdirty heartbeat' $D/$tag-restore.console 2>/dev/null || true)" -ge 30 ]; do sleep 1; kill -0 $pid || exit 1; done
$V quit r$tag; wait $pid
rm -rf "$(dirname $R)"
echo "$tag done"
