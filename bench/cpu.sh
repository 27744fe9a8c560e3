#!/usr/bin/env bash
# CPU benchmark (issue 7, "Speed"; not a test): vmckpt against QEMU 7.2 (TCG) in the same run, on the
# default guest and on the same kernel with the distribution's signed modules, timing boot to /init,
# module loading, a user-space compute phase and 400 fork+exec. Prints every run, the cold first run of
# each system, and per guest the medians and the ratios vmckpt/QEMU. See docs/BENCHMARKS.md.
#
#   bench/cpu.sh [N] [--icount] [--guests default,signed] [--no-qemu] [--work DIR] [--timeout S]
#
# N: rounds (default 3). CPU_MODES: the vmckpt modes, default "jit interp" (vmckpt run --cpu MODE);
# CPU_MODES=default passes no --cpu. --icount: one more QEMU run per guest with -icount shift=0 that
# counts the instructions of each phase. Builds vmckpt, the default guest and the benchmark's two
# initramfs images (bench/cpu/build-guests.sh) when they are missing, and rebuilds vmckpt when a source is newer
# than its jar.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build when the jar is missing or older than a source or a pom: a stale jar measures old code (round 70's lead did).
if [ ! -f cli/target/vmckpt.jar ] || [ -n "$(find pom.xml ./*/pom.xml ./*/src/main -newer cli/target/vmckpt.jar -print -quit)" ]; then
    echo "cpu.sh: cli/target/vmckpt.jar is missing or older than the sources: ./build" >&2
    ./build
fi
GUEST="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest"
[ -f "$GUEST/VERSION" ] || guest/build-guest.sh
exec python3 bench/cpu/run.py "$@"
