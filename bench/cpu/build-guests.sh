#!/usr/bin/env bash
# Builds the two initramfs images of the CPU benchmark (bench/cpu.sh) from the default guest's cache
# (guest/build-guest.sh's output: Image, initramfs.cpio.gz, cmdline, and the downloaded packages it
# keeps in work/debs). Both boot the default guest's kernel with the benchmark's /init (bench/cpu/init)
# and /bin/benchtool (bench/cpu/benchtool.c) in place of the default /init:
#
#   default/  the default guest's initramfs as it is: its modules with signatures stripped
#   signed/   the same, but the modules are the kernel package's .ko.xz files as shipped, decompressed
#             with xz -d and nothing else: the appended signature is kept, so insmod makes the kernel
#             check it (SHA-256 of the module and an RSA verification against its built-in key)
#
#   bench/cpu/build-guests.sh [--guest DIR] [--out DIR]
#
# GUEST defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest, OUT to .../vmckpt/bench-cpu. OUT/NAME/
# receives initramfs.cpio.gz, and OUT/ a VERSION (hash of the inputs; nothing is rebuilt while it matches)
# and expected-sha256 (the digest the guest's sha256sum must print for the generated data). Prints OUT.
set -euo pipefail

RECIPE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt"
GUEST="$CACHE/guest"
OUT="$CACHE/bench-cpu"
DATA_BYTES=16777216   # must match bench/cpu/init

log() { echo "build-guests: $*" >&2; }
die() { echo "build-guests: ERROR: $*" >&2; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --guest) GUEST="$2"; shift 2 ;;
        --out) OUT="$2"; shift 2 ;;
        *) sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
    esac
done

for file in Image initramfs.cpio.gz cmdline work/debs/PACKAGES; do
    [ -f "$GUEST/$file" ] || die "$GUEST/$file missing: run guest/build-guest.sh first"
done
KERNEL_DEB="$GUEST/work/debs/$(sed -n 's/^kernel //p' "$GUEST/work/debs/PACKAGES")"
[ -f "$KERNEL_DEB" ] || die "$KERNEL_DEB missing (the signed modules come from it): run guest/build-guest.sh --force"

VERSION=$( {
    for file in build-guests.sh init benchtool.c; do sha256sum < "$RECIPE_DIR/$file"; done
    sha256sum < "$GUEST/initramfs.cpio.gz"
    basename "$KERNEL_DEB"
} | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/VERSION" ] && [ "$(cat "$OUT/VERSION")" = "$VERSION" ] \
   && [ -s "$OUT/default/initramfs.cpio.gz" ] && [ -s "$OUT/signed/initramfs.cpio.gz" ]; then
    echo "$OUT"
    exit 0
fi

command -v riscv64-linux-gnu-gcc > /dev/null || die "riscv64-linux-gnu-gcc missing (./build installs it)"
mkdir -p "$OUT"
rm -f "$OUT/VERSION"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/bench-cpu-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

log "compiling benchtool"
riscv64-linux-gnu-gcc -static -O2 -Wall -o "$WORK/benchtool" "$RECIPE_DIR/benchtool.c"
gcc -O2 -Wall -o "$WORK/benchtool-host" "$RECIPE_DIR/benchtool.c"
"$WORK/benchtool-host" gen "$DATA_BYTES" "$WORK/data"
sha256sum < "$WORK/data" | cut -d' ' -f1 > "$OUT/expected-sha256"
rm -f "$WORK/data"

# The default initramfs, unpacked without its dev/console node (re-added by hand below, no root needed).
BASE="$WORK/base"
mkdir -p "$BASE"
(cd "$BASE" && gzip -dc "$GUEST/initramfs.cpio.gz" | cpio -i -d -m --quiet --no-absolute-filenames -f 'dev/console')
[ -f "$BASE/etc/modules.order" ] || die "the default initramfs has no /etc/modules.order"
install -m 0755 "$RECIPE_DIR/init" "$BASE/init"
install -m 0755 "$WORK/benchtool" "$BASE/bin/benchtool"

# A newc cpio entry for the character device /dev/console (as guest/build-guest.sh writes it).
newc_char_device() {
    local name="$1" major="$2" minor="$3" name_size header_size
    name_size=$((${#name} + 1))
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        1 $((0020600)) 0 0 1 0 0 0 0 "$major" "$minor" "$name_size" 0
    printf '%s\0' "$name"
    header_size=$((110 + name_size))
    head -c $(((4 - header_size % 4) % 4)) /dev/zero
    printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
        0 0 0 0 1 0 0 0 0 0 0 11 0
    printf 'TRAILER!!!\0'
    head -c $(((4 - (110 + 11) % 4) % 4)) /dev/zero
}
pack() { # ROOT OUTFILE
    find "$1" -exec touch -h -d @0 {} +
    (
        cd "$1"
        find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible
        newc_char_device dev/console 5 1
    ) | gzip -9 -n > "$2.tmp"
    mv -f "$2.tmp" "$2"
}

log "packing default/initramfs.cpio.gz"
mkdir -p "$OUT/default" "$OUT/signed"
pack "$BASE" "$OUT/default/initramfs.cpio.gz"

log "extracting the shipped modules from $(basename "$KERNEL_DEB")"
patterns=()
while read -r module; do patterns+=("*/kernel/*/$module.ko.xz"); done < "$BASE/etc/modules.order"
mkdir -p "$WORK/deb"
dpkg-deb --fsys-tarfile "$KERNEL_DEB" | tar -x -C "$WORK/deb" --wildcards "${patterns[@]}"
MARKER='~Module signature appended~'
while read -r module; do
    shipped=$(find "$WORK/deb" -name "$module.ko.xz" | head -n1)
    [ -n "$shipped" ] || die "$module.ko.xz not in $(basename "$KERNEL_DEB")"
    xz -dc "$shipped" > "$BASE/lib/modules/$module.ko"
    [ "$(tail -c 28 "$BASE/lib/modules/$module.ko" | head -c 27)" = "$MARKER" ] \
        || die "$module.ko as shipped carries no appended signature"
done < "$BASE/etc/modules.order"
log "packing signed/initramfs.cpio.gz (modules: $(tr '\n' ' ' < "$BASE/etc/modules.order"))"
pack "$BASE" "$OUT/signed/initramfs.cpio.gz"

echo "$VERSION" > "$OUT/VERSION"
log "done: $OUT/{default,signed}/initramfs.cpio.gz"
echo "$OUT"
