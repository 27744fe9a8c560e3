#!/usr/bin/env bash
# Builds the default vmckpt guest: the stock Debian trixie riscv64 kernel, a busybox initramfs with
# the virtio/ext4 modules and the workload programs, and an ext4 data disk.
#
#   guest/build-guest.sh [--out DIR] [--force]    build into DIR (skipped if DIR is up to date)
#   guest/build-guest.sh --print-version          print the recipe hash that DIR/VERSION must hold
#
# DIR defaults to ${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest and receives:
#   Image              the kernel (uncompressed RISC-V Image)
#   initramfs.cpio.gz  busybox (with httpd, nc, wget, udhcpc), /init, udhcpc's script, modules
#                      (signatures stripped), /bin/{memdirty,pagecache,kvstore}
#   cmdline            the default kernel command line (one line)
#   disk.img           256 MiB ext4: data.bin (200 MiB of deterministic non-zero data) and hello.txt
#   PACKAGES           which Debian packages the build used (for information)
#   VERSION            hash of this recipe (written last: a build that stopped half-way has none)
# DIR/work keeps the downloaded packages and apt lists, so a rebuild after a recipe change works
# offline when the mirror cannot be reached.
#
# Progress goes to stderr. Needs root only to apt-get install missing host tools.
set -euo pipefail

RECIPE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest"
FORCE=0
PRINT_VERSION=0

# Default kernel command line, one reason per option:
#   console=ttyS0        the NS16550A UART of the virt board is the console (and carries the marker line)
#   earlycon=sbi         messages before the UART driver probes go through the SBI console, so an
#                        early panic is visible
#   cryptomgr.notests    skips the crypto self-tests: about 22% of the boot's instructions on an
#                        emulated CPU (elliptic curves, SHA-3, BLAKE2s)
#   quiet                log level 4: every console character costs emulated UART accesses, and a
#                        quiet console keeps the marker and workload lines easy to find
#   panic=-1             reboot at once on a panic instead of hanging, so a harness sees the failure
#                        (QEMU with -no-reboot exits; a VMM sees an SBI system reset)
KERNEL_CMDLINE="console=ttyS0 earlycon=sbi cryptomgr.notests quiet panic=-1"

# Modules the guest loads (with whatever they depend on, found by modprobe at build time):
# crc32c_generic is named because ext4 reaches it only through the crypto API ("Cannot load crc32c
# driver" without it); virtio_rng may be built in, which is fine. virtio_net brings net_failover and
# failover (its dependencies), loaded in that order.
WANTED_MODULES=(virtio_mmio virtio_blk virtio_balloon virtio_rng virtio_net crc32c_generic ext4)

DISK_SIZE_MIB=256
DATA_BYTES=$((200 * 1024 * 1024))
# Fixed identities so that the disk image does not change from build to build.
DISK_UUID=6d76636b-7074-4775-9573-742d64697363
DISK_HASH_SEED=6d76636b-7074-4861-7368-2d7365656421

log() { echo "build-guest: $*" >&2; }
die() { echo "build-guest: ERROR: $*" >&2; exit 1; }

usage() {
    sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --out) [ $# -ge 2 ] || usage; OUT="$2"; shift 2 ;;
        --out=*) OUT="${1#--out=}"; shift ;;
        --force) FORCE=1; shift ;;
        --print-version) PRINT_VERSION=1; shift ;;
        -h|--help) usage ;;
        *) echo "build-guest: unknown argument: $1" >&2; usage ;;
    esac
done

# The recipe: every file whose change must rebuild the guest (qemu-boot.sh is not one).
recipe_version() {
    (
        cd "$RECIPE_DIR"
        for file in $(LC_ALL=C ls build-guest.sh init udhcpc.script workloads/*.c workloads/*.h tools/*.c); do
            echo "$file $(sha256sum < "$file" | cut -d' ' -f1)"
        done
    ) | sha256sum | cut -d' ' -f1
}

VERSION=$(recipe_version)
if [ "$PRINT_VERSION" = 1 ]; then
    echo "$VERSION"
    exit 0
fi

OUTPUT_FILES=(Image initramfs.cpio.gz cmdline disk.img)

is_up_to_date() {
    [ -f "$OUT/VERSION" ] && [ "$(cat "$OUT/VERSION")" = "$VERSION" ] || return 1
    for file in "${OUTPUT_FILES[@]}"; do
        [ -s "$OUT/$file" ] || return 1
    done
}

if [ "$FORCE" = 0 ] && is_up_to_date; then
    log "up to date in $OUT (version $VERSION)"
    exit 0
fi

START_SECONDS=$SECONDS
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# One build at a time per DIR: a second vmckpt started meanwhile waits, then finds DIR up to date.
exec 9> "$OUT/.build.lock"
if ! flock -n 9; then
    log "another build of $OUT is running: waiting for it"
    flock 9
fi
if [ "$FORCE" = 0 ] && is_up_to_date; then
    log "up to date in $OUT (version $VERSION), built by the other run"
    exit 0
fi
WORK="$OUT/work"
mkdir -p "$WORK"
rm -f "$OUT/VERSION"
log "building the default guest into $OUT (version $VERSION)"

# ---------------------------------------------------------------------------------------------
# Host tools
# ---------------------------------------------------------------------------------------------
ensure_host_tools() {
    local missing=() check package
    # "check:package": check is a command name or an absolute file path.
    for pair in riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu \
                riscv64-linux-gnu-objcopy:binutils-riscv64-linux-gnu \
                /usr/riscv64-linux-gnu/lib/libc.a:libc6-dev-riscv64-cross \
                gcc:gcc cpio:cpio xz:xz-utils depmod:kmod modprobe:kmod mkfs.ext4:e2fsprogs debugfs:e2fsprogs e2fsck:e2fsprogs \
                dpkg-deb:dpkg gzip:gzip flock:util-linux sha256sum:coreutils truncate:coreutils od:coreutils; do
        check="${pair%%:*}"
        package="${pair#*:}"
        if [[ "$check" == /* ]]; then
            [ -e "$check" ] && continue
        else
            command -v "$check" > /dev/null 2>&1 && continue
            [ -x "/usr/sbin/$check" ] || [ -x "/sbin/$check" ] && continue
        fi
        missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        local unique
        unique=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
        log "installing host tools: $unique"
        [ "$(id -u)" = 0 ] || die "missing host tools ($unique) and not root: install them with apt-get"
        apt-get update >&2
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive apt-get install -y $unique >&2
    fi
}
ensure_host_tools
export PATH="$PATH:/usr/sbin:/sbin"

# ---------------------------------------------------------------------------------------------
# Debian packages, through a private apt configuration (the host's apt state is left alone)
# ---------------------------------------------------------------------------------------------
APT_DIR="$WORK/apt"
DEB_DIR="$WORK/debs"
mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/sources.list.d" "$DEB_DIR"

# The mirror is whatever the host's own apt configuration names (never written into this script).
host_mirror_uri() {
    local uri=""
    if compgen -G "/etc/apt/sources.list.d/*.sources" > /dev/null; then
        uri=$(grep -h -m1 -E '^URIs:' /etc/apt/sources.list.d/*.sources 2> /dev/null | head -n1 | awk '{print $2}')
    fi
    if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
        uri=$(grep -E '^deb[[:space:]]' /etc/apt/sources.list | head -n1 \
              | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' | awk '{print $1}')
    fi
    [ -n "$uri" ] || die "cannot find a mirror URI in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list"
    echo "$uri"
}

# Trixie's Release file is signed with the trixie archive keys. debian-archive-keyring on bookworm
# (2023.3+deb12u2 or later) already carries them in debian-archive-keyring.gpg, so the signature is
# checked when the trixie key file is present; an older host keyring falls back to [trusted=yes]
# (the packages are then checked only against the hashes in the unverified Release file).
apt_source_options() {
    if [ -f /usr/share/keyrings/debian-archive-trixie-automatic.gpg ]; then
        echo "arch=riscv64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg"
    else
        log "WARNING: the host keyring has no trixie key; using [trusted=yes] for the trixie source"
        echo "arch=riscv64 trusted=yes"
    fi
}

APT_OPTIONS=(
    -o APT::Architecture=riscv64
    -o APT::Architectures=riscv64
    -o Dir::State::Lists="$APT_DIR/lists"
    -o Dir::State::status=/dev/null
    -o Dir::Etc::SourceList="$APT_DIR/sources.list"
    -o Dir::Etc::SourceParts="$APT_DIR/sources.list.d"
    -o Dir::Cache="$APT_DIR/cache"
    -o APT::Sandbox::User=root  # files in a private dir the _apt user may not reach
)

# Writes "kernel-deb-path busybox-deb-path" names into $DEB_DIR/PACKAGES and downloads them.
fetch_packages() {
    echo "deb [$(apt_source_options)] $(host_mirror_uri) trixie main" > "$APT_DIR/sources.list"
    log "apt-get update (trixie riscv64, private lists in $APT_DIR)"
    apt-get "${APT_OPTIONS[@]}" update >&2 || return 1
    local kernel_package
    kernel_package=$(apt-cache "${APT_OPTIONS[@]}" show linux-image-riscv64 \
        | sed -n 's/^Depends: //p' | head -n1 | tr ',' '\n' \
        | grep -oE 'linux-image-[0-9][^ ]*-riscv64' | head -n1)
    if [ -z "$kernel_package" ]; then
        log "cannot resolve the kernel package from linux-image-riscv64's Depends (is the mirror reachable?)"
        return 1
    fi
    log "downloading $kernel_package and busybox-static"
    (cd "$DEB_DIR" && apt-get "${APT_OPTIONS[@]}" download "$kernel_package" busybox-static >&2) || return 1
    local kernel_deb busybox_deb
    kernel_deb=$(cd "$DEB_DIR" && ls -t "${kernel_package}"_*_riscv64.deb | head -n1)
    busybox_deb=$(cd "$DEB_DIR" && ls -t busybox-static_*_riscv64.deb | head -n1)
    printf 'kernel %s\nbusybox %s\n' "$kernel_deb" "$busybox_deb" > "$DEB_DIR/PACKAGES"
    # Drop packages of earlier versions (a newer kernel replaces the old one in the cache).
    find "$DEB_DIR" -maxdepth 1 -name '*.deb' ! -name "$kernel_deb" ! -name "$busybox_deb" -delete
}

if ! fetch_packages; then
    [ -f "$DEB_DIR/PACKAGES" ] || die "downloading the Debian packages failed and none are cached in $DEB_DIR"
    log "WARNING: download failed; using the packages cached in $DEB_DIR"
fi
KERNEL_DEB="$DEB_DIR/$(sed -n 's/^kernel //p' "$DEB_DIR/PACKAGES")"
BUSYBOX_DEB="$DEB_DIR/$(sed -n 's/^busybox //p' "$DEB_DIR/PACKAGES")"
[ -f "$KERNEL_DEB" ] && [ -f "$BUSYBOX_DEB" ] || die "package files missing in $DEB_DIR (see PACKAGES there)"

log "unpacking $(basename "$KERNEL_DEB") and $(basename "$BUSYBOX_DEB")"
UNPACK="$WORK/unpack"
rm -rf "$UNPACK"
mkdir -p "$UNPACK/kernel" "$UNPACK/busybox"
dpkg-deb -x "$KERNEL_DEB" "$UNPACK/kernel"
dpkg-deb -x "$BUSYBOX_DEB" "$UNPACK/busybox"

# ---------------------------------------------------------------------------------------------
# Kernel
# ---------------------------------------------------------------------------------------------
KERNEL_FILE=$(ls "$UNPACK"/kernel/boot/vmlinux-* 2> /dev/null | head -n1)
[ -n "$KERNEL_FILE" ] || die "no boot/vmlinux-* in $(basename "$KERNEL_DEB")"
# The RISC-V Image header carries the magic "RSC\x05" at offset 0x38.
[ "$(od -An -tx1 -j 56 -N 4 "$KERNEL_FILE" | tr -d ' \n')" = "52534305" ] \
    || die "$KERNEL_FILE is not a RISC-V Image (no RSC\\x05 magic at 0x38)"
KERNEL_VERSION=$(ls "$UNPACK/kernel/usr/lib/modules" | head -n1)
log "kernel $KERNEL_VERSION"

# ---------------------------------------------------------------------------------------------
# Initramfs tree
# ---------------------------------------------------------------------------------------------
ROOT="$WORK/initramfs"
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,dev,etc,lib/modules,mnt,proc,root,sys,tmp}

# busybox-static also ships a text file named busybox (an initramfs-tools hook): take the binary.
BUSYBOX_FILE="$UNPACK/busybox/usr/bin/busybox"
[ "$(od -An -c -N 4 "$BUSYBOX_FILE" | tr -d ' \n')" = "177ELF" ] || die "$BUSYBOX_FILE is not an ELF binary"
install -m 0755 "$BUSYBOX_FILE" "$ROOT/bin/busybox"
ln -s busybox "$ROOT/bin/sh" # for /init's #!/bin/sh; /init installs the other applet links
install -m 0755 "$RECIPE_DIR/init" "$ROOT/init"
mkdir -p "$ROOT/etc/udhcpc" "$ROOT/www"
install -m 0755 "$RECIPE_DIR/udhcpc.script" "$ROOT/etc/udhcpc/default.script"  # busybox udhcpc's default path

# Removes the appended signature of a module, if it has one: the file ends with the marker
# "~Module signature appended~\n", before it a 12-byte struct module_signature whose last 4 bytes
# are the big-endian length of the PKCS#7 blob that precedes the struct. Checking that signature
# (SHA-256 and RSA) costs billions of instructions on an emulated CPU; unsigned modules load at
# once (the kernel only notes a taint, as CONFIG_MODULE_SIG_FORCE is off).
strip_module_signature() {
    local file="$1" marker='~Module signature appended~' size sig_len new_size
    size=$(stat -c %s "$file")
    [ "$(tail -c 28 "$file" | head -c 27)" = "$marker" ] || return 0
    sig_len=$(tail -c 32 "$file" | head -c 4 | od -An -tu1 \
        | awk '{ print (($1 * 256 + $2) * 256 + $3) * 256 + $4 }')
    new_size=$((size - 28 - 12 - sig_len))
    [ "$new_size" -gt 0 ] || die "bad module signature length $sig_len in $file"
    truncate -s "$new_size" "$file"
    [ "$(od -An -c -N 4 "$file" | tr -d ' \n')" = "177ELF" ] || die "stripping the signature broke $file"
}

log "resolving module dependencies (depmod on the unpacked tree)"
MODULE_TREE="$UNPACK/kernel/usr"   # depmod -b wants BASE/lib/modules/VERSION
depmod -b "$MODULE_TREE" "$KERNEL_VERSION"
EMPTY_MODPROBE_CONFIG="$WORK/modprobe.d"  # keep the host's /etc/modprobe.d out of the answer
mkdir -p "$EMPTY_MODPROBE_CONFIG"
MODULE_PATHS=()
for module in "${WANTED_MODULES[@]}"; do
    lines=$(modprobe -C "$EMPTY_MODPROBE_CONFIG" -d "$MODULE_TREE" -S "$KERNEL_VERSION" --show-depends "$module") \
        || die "module $module not found in kernel $KERNEL_VERSION"
    while read -r kind path _; do
        [ "$kind" = insmod ] || continue  # "builtin NAME": nothing to load
        already=0
        for known in "${MODULE_PATHS[@]}"; do [ "$known" = "$path" ] && already=1; done
        [ "$already" = 1 ] || MODULE_PATHS+=("$path")
    done <<< "$lines"
done
: > "$ROOT/etc/modules.order"
for path in "${MODULE_PATHS[@]}"; do
    name=$(basename "$path")
    name="${name%.xz}"
    name="${name%.ko}"
    case "$path" in
        *.xz) xz -dc "$path" > "$ROOT/lib/modules/$name.ko" ;;
        *) cp "$path" "$ROOT/lib/modules/$name.ko" ;;
    esac
    strip_module_signature "$ROOT/lib/modules/$name.ko"
    # Drop the compiler's local labels (.L*) that no relocation uses: ext4.ko carries ~217k of them
    # (5 MB of symbol table) and the kernel walks every symbol on load. Measured under QEMU with
    # -icount: loading ext4 drops from about 90M to 35M instructions.
    riscv64-linux-gnu-objcopy --discard-locals "$ROOT/lib/modules/$name.ko"
    echo "$name" >> "$ROOT/etc/modules.order"
done
log "modules in load order: $(tr '\n' ' ' < "$ROOT/etc/modules.order")"

log "compiling workloads"
for source in "$RECIPE_DIR"/workloads/*.c; do
    riscv64-linux-gnu-gcc -static -O2 -Wall -o "$ROOT/bin/$(basename "$source" .c)" "$source"
done

# A newc cpio entry for a character device, written by hand so that no mknod (root) is needed.
# The kernel opens /dev/console for /init's stdin/stdout before devtmpfs is mounted.
newc_char_device() {
    local name="$1" major="$2" minor="$3" name_size header_size
    name_size=$((${#name} + 1))
    # magic, ino, mode (020600), uid, gid, nlink, mtime, filesize, devmajor, devminor,
    # rdevmajor, rdevminor, namesize, check
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

log "packing initramfs.cpio.gz"
find "$ROOT" -exec touch -h -d @0 {} +  # fixed times: the same inputs give the same archive
(
    cd "$ROOT"
    find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible
    newc_char_device dev/console 5 1
) | gzip -9 -n > "$OUT/initramfs.cpio.gz.tmp"

# ---------------------------------------------------------------------------------------------
# Data disk
# ---------------------------------------------------------------------------------------------
log "generating disk.img (${DISK_SIZE_MIB} MiB ext4, data.bin of $DATA_BYTES bytes)"
gcc -O2 -Wall -o "$WORK/gendata" "$RECIPE_DIR/tools/gendata.c"
DISK_STAGING="$WORK/disk"
rm -rf "$DISK_STAGING"
mkdir -p "$DISK_STAGING"
"$WORK/gendata" "$DATA_BYTES" > "$DISK_STAGING/data.bin"
echo "Hello from the vmckpt default guest's data disk." > "$DISK_STAGING/hello.txt"
find "$DISK_STAGING" -exec touch -h -d @0 {} +
rm -f "$OUT/disk.img.tmp"
truncate -s "${DISK_SIZE_MIB}M" "$OUT/disk.img.tmp"
# -b 4096: one file-system block per guest page, so a clean page-cache page of data.bin is exactly
# one disk block (what page-cache eviction stores as a reference). mke2fs would pick 1 KiB blocks
# for a file system this small.
E2FSPROGS_FAKE_TIME=1 mkfs.ext4 -q -F -t ext4 -b 4096 -L vmckpt-data -U "$DISK_UUID" \
    -E "root_owner=0:0,hash_seed=$DISK_HASH_SEED" -d "$DISK_STAGING" "$OUT/disk.img.tmp"
# mke2fs -d stamps the inodes with the current time: zero them so the image is the same every build.
for path in / /lost+found /data.bin /hello.txt; do
    for field in atime ctime mtime crtime; do
        echo "set_inode_field $path $field 0"
    done
done > "$WORK/zero-times.debugfs"
debugfs -w -f "$WORK/zero-times.debugfs" "$OUT/disk.img.tmp" > /dev/null 2>&1 \
    || die "debugfs could not reset the inode times of disk.img"
e2fsck -fn "$OUT/disk.img.tmp" > /dev/null 2>&1 || die "disk.img fails e2fsck"
rm -rf "$DISK_STAGING"

# ---------------------------------------------------------------------------------------------
# Outputs: each file is moved into place whole; VERSION last
# ---------------------------------------------------------------------------------------------
cp "$KERNEL_FILE" "$OUT/Image.tmp"
echo "$KERNEL_CMDLINE" > "$OUT/cmdline.tmp"
{
    echo "kernel-package $(basename "$KERNEL_DEB")"
    echo "busybox-package $(basename "$BUSYBOX_DEB")"
    echo "kernel-version $KERNEL_VERSION"
    echo "modules $(tr '\n' ' ' < "$ROOT/etc/modules.order" | sed 's/ $//')"
} > "$OUT/PACKAGES.tmp"
for file in "${OUTPUT_FILES[@]}" PACKAGES; do
    mv -f "$OUT/$file.tmp" "$OUT/$file"
done
rm -rf "$UNPACK"
echo "$VERSION" > "$OUT/VERSION.tmp"
mv -f "$OUT/VERSION.tmp" "$OUT/VERSION"
log "done in $((SECONDS - START_SECONDS)) s: $OUT/{Image,initramfs.cpio.gz,cmdline,disk.img}"
