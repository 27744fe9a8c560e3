#!/bin/bash
# The hot log of a signed-guest run to modules-end (untimed; which keys are built, their regions and bytecode sizes).
#   hotlog-signed.sh LAUNCHER OUT "EXTRA -D..."
L=$1; OUT=$2; EXTRA=$3
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.hotLog=true $EXTRA" \
  timeout 600 "$L" run --kernel $G/Image --initrd $B/signed/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng \
  --stats --cpu jit --name hotlog85 --exit-on "BENCH-MARK modules-end" > $OUT.out 2> $OUT.err
echo "exit $?" >> $OUT.err
