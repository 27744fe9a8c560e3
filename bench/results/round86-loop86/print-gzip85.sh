#!/bin/bash
# C2's code of the hot units printed in a default-guest run to compute-end (round 74 gzip74's method; untimed, a count).
#   print-gzip85.sh LAUNCHER OUT "EXTRA -D..."
L=$1; OUT=$2; EXTRA=$3
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.hotLog=true -XX:+UnlockDiagnosticVMOptions -XX:+DisplayVMOutput -XX:CompileCommand=print,org.vmckpt.machine.cpu.HotUnit*::run $EXTRA" \
  timeout 900 "$L" run --kernel $G/Image --initrd $B/default/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng \
  --stats --cpu jit --name print85 --exit-on "BENCH-MARK compute-end" > $OUT.print 2> $OUT.err
echo "exit $?" >> $OUT.err
