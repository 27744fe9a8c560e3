#!/bin/bash
# one counted run: GUEST TAG OPTS...
g=$1; tag=$2; shift 2
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu
out=/work/wt-cboz73/bench/results/counts-round73-cboz73/$g-$tag.txt
XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_JAVA_OPTS="-Dvmckpt.stats.markPrefix=BENCH $*" /work/wt-cboz73/vmckpt run --kernel $G/Image \
  --initrd $B/$g/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng --stats --cpu jit --name cnt-$g-$tag \
  --exit-on BENCH-DONE > $out.out 2> $out
echo "$g $tag rc=$?"; grep "vmckpt: mark\|instructions in" $out
