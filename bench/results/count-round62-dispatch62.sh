#!/bin/bash
# count.sh LAUNCHER OUT MARK [JAVA_OPT...]: the default CPU guest run to MARK with the translator's profile.
L=$1; OUT=$2; MARK=$3; shift 3
g=~/.cache/vmckpt/guest; d=~/.cache/vmckpt/bench-cpu/${GUEST:-default}
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.profile=true $*" timeout 300 $L run --kernel $g/Image --initrd $d/initramfs.cpio.gz \
  --append "$(cat $g/cmdline)" --mem 1G --no-rng --stats --cpu jit --name cnt$$ --exit-on "BENCH-MARK $MARK" > $OUT 2>&1
echo rc=$? >> $OUT
