#!/bin/sh
# Profile dumps of main's jar at the compute phase's marks (round 74, gzip74): P-MARK.units etc.
L=${L:-/tmp/mainroot74/vmckpt}; G=${GUEST:-default}; P=${P:-prof-main}
B=$HOME/.cache/vmckpt/bench-cpu/$G; K=$HOME/.cache/vmckpt/guest
for M in sha256-end compute-end; do
  XDG_RUNTIME_DIR=$(mktemp -d) VMCKPT_JAVA_OPTS="-Dvmckpt.jit.profile=true -Dvmckpt.jit.profileDump=$P-$G-$M -Dvmckpt.jit.hotLog=true $EXTRA" \
    $L run --kernel $K/Image --initrd $B/initramfs.cpio.gz --append "$(cat $K/cmdline)" --mem 1G --no-rng --stats --cpu jit \
    --name prof$$ --exit-on "BENCH-MARK $M" > $P-$G-$M.out 2>&1
done
