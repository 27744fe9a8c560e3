#!/bin/bash
# count.sh LAUNCHER OUT MARK [java opts...]: one signed-guest run to MARK with --stats, stderr to OUT
L=$1; OUT=$2; MARK=$3; shift 3
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu/${GUEST:-signed}
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="$*" timeout 300 $L run --kernel $G/Image --initrd $B/initramfs.cpio.gz --append "$(cat $G/cmdline)" \
  --mem 1G --no-rng --stats --cpu jit --name c$$ --exit-on "$MARK" > $OUT.out 2> $OUT
echo "rc=$? $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $OUT
