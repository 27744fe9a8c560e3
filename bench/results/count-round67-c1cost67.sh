#!/bin/sh
# count.sh LAUNCHER OUT MARK GUEST [extra java opts]: a bench-cpu guest to MARK, with --stats
L=$1; OUT=$2; MARK=$3; GU=$4; shift 4
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu/$GU
echo "load $(cat /proc/loadavg) start $(date +%T)" > $OUT.err
XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_JAVA_OPTS="$*" $L run --kernel $G/Image --initrd $B/initramfs.cpio.gz \
  --append "$(cat $G/cmdline)" --mem 1G --no-rng --stats --cpu jit --name cnt$$ --exit-on "$MARK" >$OUT.out 2>>$OUT.err
echo "rc=$? load $(cat /proc/loadavg) end $(date +%T)" >> $OUT.err
