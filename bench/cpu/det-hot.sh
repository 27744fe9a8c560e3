#!/bin/bash
# Round 83 (rethot83): runs bench/cpu/DetHot.java (see its header) with TREE's jar on GUEST (default|signed, a bench/cpu
# guest) to the counts POINTS (default "300000000 800000000 1500000000"), the hot log on; writes OUT.hot (the hot log,
# the classes' addresses and the "jvm S s" clock stripped) and OUT.out (state hashes, the cache's counters without its two
# CPU times). Compare two trees with diff.
#   bench/cpu/det-hot.sh /tmp/mainroot83 signed /tmp/det/main-signed
set -u
T=$1 G=$2 OUT=$3
P=${POINTS:-300000000 800000000 1500000000}
K=~/.cache/vmckpt/guest
mkdir -p "$(dirname "$OUT")"
java -XX:PerMethodTrapLimit=0 -Dvmckpt.jit.hotLog=true ${EXTRA:-} -cp "$T/cli/target/vmckpt.jar" "$(dirname "$0")/DetHot.java" \
    $K/Image ~/.cache/vmckpt/bench-cpu/$G/initramfs.cpio.gz $K/cmdline 1024 $P > "$OUT.raw" 2> "$OUT.err"
echo "exit $?" >> "$OUT.raw"
grep '^vmckpt-hot' "$OUT.err" | sed -E 's/; jvm [0-9.]+ s$//; s/Unit\/0x[0-9a-f]+/Unit/g' > "$OUT.hot"
sed -E 's/translationNanos=[0-9]+/translationNanos=T/; s/backgroundNanos=[0-9]+/backgroundNanos=T/' "$OUT.raw" > "$OUT.out"
grep -v '^vmckpt-hot' "$OUT.err" | head -5
echo "$(wc -l < "$OUT.hot") hot lines; $(grep -c decided "$OUT.hot") decided, $(grep -c installed "$OUT.hot") installed"
