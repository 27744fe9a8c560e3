#!/usr/bin/env bash
# Round 72: the norand guest, ~/.cache/vmckpt/bench-cpu/norand72/initramfs.cpio.gz: the default benchmark guest with its
# /init (bench/cpu/init) writing 0 to /proc/sys/kernel/randomize_va_space first (no address-space randomisation: each
# exec places stack, heap and mmaps at the same addresses), to see whether the compute phase's TLB conflict episodes
# follow the randomisation. Use as `--guest norand72`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
OUT="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/bench-cpu"
tmp=$(mktemp -d)
mkdir -p "$tmp/root"
sed 's|^mount -t proc proc /proc$|mount -t proc proc /proc\necho 0 > /proc/sys/kernel/randomize_va_space\necho "BENCH-INFO randomize_va_space $(cat /proc/sys/kernel/randomize_va_space)"|' "$here/init" > "$tmp/root/init"
grep -q randomize_va_space "$tmp/root/init"
chmod 755 "$tmp/root/init"
(cd "$tmp/root" && find . -mindepth 1 | sort | cpio -o -H newc --quiet -R 0:0 | gzip -9 > "$tmp/extra.cpio.gz")
mkdir -p "$OUT/norand72"
cat "$OUT/default/initramfs.cpio.gz" "$tmp/extra.cpio.gz" > "$OUT/norand72/initramfs.cpio.gz"
rm -rf "$tmp"
echo "$OUT/norand72"
