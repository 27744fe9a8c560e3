#!/bin/bash
# boot.sh LAUNCHER OUTPREFIX METHOD [extra -D...]
L=$1; O=$2; M=$3; shift 3
G=~/.cache/vmckpt/guest; D=~/.cache/vmckpt/bench-cpu/${GUEST:-default}
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,$M -XX:+LogVMOutput -XX:LogFile=$O.vmlog $*" \
 timeout 300 $L run --kernel $G/Image --initrd $D/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng --stats --cpu jit --exit-on "${EXITON:-BENCH-INIT}" > $O.out 2> $O.err
echo rc=$?
