#!/bin/bash
# Round 83 (rethot83): the proof that a change leaves the default's hot tier as it was. Runs GUEST (default|signed, a
# bench/cpu guest) with LAUNCHER in deterministic mode (units and hot builds made synchronously at the same instruction
# counts) to N instructions with -Dvmckpt.jit.hotLog=true and --stats, and writes OUT.hot (the hot log with its times
# stripped: the "jvm S s" clock and the timed look's "call N ns"), OUT.stats (--stats without its times) and OUT.console.
#   bench/cpu/det-hotlog.sh /tmp/mainroot83/vmckpt signed 400000000 /tmp/det/main-signed
# Compare two launchers with diff of their .hot and .stats files.
set -u
L=$1 G=$2 N=$3 OUT=$4
K=~/.cache/vmckpt/guest
B=~/.cache/vmckpt/bench-cpu
mkdir -p "$(dirname "$OUT")"
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.hotLog=true ${EXTRA:-}" XDG_RUNTIME_DIR=$(mktemp -d) "$L" run --kernel $K/Image \
    --initrd $B/$G/initramfs.cpio.gz --append "$(cat $K/cmdline)" --mem 1G --no-rng --deterministic \
    --max-instructions "$N" --stats --console "$OUT.console" --name "det$$" 2> "$OUT.err"
echo "exit $?" >> "$OUT.err"
grep '^vmckpt-hot' "$OUT.err" | sed -E 's/; jvm [0-9.]+ s$//; s/\(call [0-9]+ ns\)/(call - ns)/' > "$OUT.hot"
grep -v '^vmckpt-hot' "$OUT.err" | sed -E 's/[0-9][0-9.,]* *(ms|s|us|ns|MIPS)\b/T \1/g' > "$OUT.stats"
wc -l "$OUT.hot" | sed 's/^/hot lines: /'
