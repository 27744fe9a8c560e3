#!/usr/bin/env bash
# Makes the checkpoints bench/IncompressibleEncode.java re-encodes: for each workload, a 1 GiB default guest (with
# bench/workloads/memrandom.c appended to its initramfs, as bench/restore.py does) boots with it, settles 3 s after
# the workload's ready line, takes one live checkpoint, and quits. Prints each checkpoint's packs as NAME=PACK,...
# (the arguments IncompressibleEncode takes).
#
#   bench/incompressible-packs.sh [WORK] [WORKLOAD...]     (default: /tmp/vmckpt-incompressible; memrandom memdirty pagecache idle)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${1:-/tmp/vmckpt-incompressible}
shift || true
WORKLOADS=("$@")
[ ${#WORKLOADS[@]} -gt 0 ] || WORKLOADS=(memrandom memdirty pagecache idle)
mkdir -p "$WORK"
cd "$ROOT"
G=$(python3 -c "
import sys; sys.path.insert(0, 'bench')
import restore as R
g = R.default_guest_copy('$WORK'); R.add_memrandom('$WORK', g); print(g)")
declare -A ARG=([memrandom]=memrandom,256,10,100 [memdirty]=memdirty,256,10,100 [pagecache]=pagecache,/mnt/data.bin,100 [idle]=)
declare -A READY=([memrandom]="memrandom ready" [memdirty]="memdirty ready" [pagecache]="pagecache loaded" [idle]="VMCKPT-READY")
for wl in "${WORKLOADS[@]}"; do
    repo="$WORK/repo-$wl"
    rm -rf "$repo"
    console="$WORK/$wl.console"
    sock="$WORK/$wl.sock"
    : > "$console"
    ./vmckpt run --mem 1G --repo "$repo" --api-socket "$sock" --console "$console" \
        --kernel "$G/Image" --initrd "$G/initramfs.cpio.gz" --append "$(cat "$G/cmdline")" --disk "$G/disk.img" \
        ${ARG[$wl]:+--workload "${ARG[$wl]}"} > "$WORK/$wl.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do grep -q "${READY[$wl]}" "$console" && break; sleep 0.5; done
    grep -q "${READY[$wl]}" "$console" || { echo "$wl: not ready (see $console)" >&2; kill "$pid"; exit 1; }
    sleep 3
    ./vmckpt checkpoint "$sock" >&2
    ./vmckpt quit "$sock" >/dev/null 2>&1 || true
    wait "$pid" || true
    echo "$wl=$(ls "$repo"/packs/*.pack | paste -sd,)"
done
