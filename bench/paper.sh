#!/usr/bin/env bash
# The paper's evaluation (issue 4), one command: builds vmckpt if needed, then runs bench/paper.py, which
# measures every checkpoint mode on each workload of a 1 GiB guest, vmckpt against QEMU in the same run.
# Takes about 20-30 minutes on a 2-core machine. Results: bench/results/paper.{json,md,svg}.
#
#   bench/paper.sh [paper.py options: --reps N --workloads idle,memdirty,pagecache,kvstore --no-qemu --jar JAR ...]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f cli/target/vmckpt.jar ] || ./build
GUEST="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest"
[ -f "$GUEST/VERSION" ] || guest/build-guest.sh
exec python3 bench/paper.py "$@"
