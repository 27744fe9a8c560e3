#!/bin/sh
# boot.sh LAUNCHER MARK OUT EXTRA_OPTS...
L=$1; MARK=$2; OUT=$3; shift 3
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu/default
[ -n "$GUEST" ] && B=~/.cache/vmckpt/bench-cpu/$GUEST
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="$*" timeout 300 $L run --kernel $G/Image --initrd $B/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng --stats --cpu jit --name t63$$ --exit-on "$MARK" > $OUT.out 2> $OUT.err
echo rc=$?
