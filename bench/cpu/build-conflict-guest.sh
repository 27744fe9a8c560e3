#!/usr/bin/env bash
# Round 72: the conflict guest, ~/.cache/vmckpt/bench-cpu/conflict72/initramfs.cpio.gz: the default benchmark guest's
# initramfs with a second (gzip'd cpio) archive appended that replaces /init (bench/cpu/conflict-init) and adds
# /bin/conflict (bench/cpu/conflict.c, static). Use as `--guest conflict72` with bench/cpu/threads.py or mmu-phases.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/bench-cpu"
[ -f "$OUT/default/initramfs.cpio.gz" ] || { echo "run bench/cpu/build-guests.sh first" >&2; exit 1; }
tmp=$(mktemp -d)
mkdir -p "$tmp/root/bin"
riscv64-linux-gnu-gcc -O2 -static -o "$tmp/root/bin/conflict" "$here/conflict.c"
install -m 755 "$here/conflict-init" "$tmp/root/init"
(cd "$tmp/root" && find . -mindepth 1 | sort | cpio -o -H newc --quiet -R 0:0 | gzip -9 > "$tmp/extra.cpio.gz")
mkdir -p "$OUT/conflict72"
cat "$OUT/default/initramfs.cpio.gz" "$tmp/extra.cpio.gz" > "$OUT/conflict72/initramfs.cpio.gz"
rm -rf "$tmp"
echo "$OUT/conflict72"
