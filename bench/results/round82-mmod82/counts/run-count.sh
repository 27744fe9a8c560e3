#!/bin/bash
# usage: run.sh ROOT NAME [extra java opts]
ROOT=$1; N=$2; shift 2
G=~/.cache/vmckpt/guest
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.hotLog=true -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=/tmp/mmod82/counts/$N.comp.xml $*" \
  $ROOT run --kernel $G/Image --initrd ~/.cache/vmckpt/bench-cpu/signed/initramfs.cpio.gz \
  --append "$(cat $G/cmdline)" --mem 1G --no-rng --stats --cpu jit --exit-on "BENCH-MARK modules-end" > /tmp/mmod82/counts/$N.out 2> /tmp/mmod82/counts/$N.err
echo rc $? >> /tmp/mmod82/counts/$N.err
