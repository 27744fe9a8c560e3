#!/usr/bin/env bash
# Boots the default vmckpt guest under QEMU (TCG), as the reference to compare vmckpt with.
#
#   guest/qemu-boot.sh [--guest DIR] [--mem SIZE] [--no-disk] [--no-balloon]
#                      [--workload NAME [--args A,B,...]] [-- EXTRA QEMU ARGUMENTS]
#
# DIR defaults to the build-guest.sh output (${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest).
# The console is stdin/stdout (-nographic; Ctrl-A X quits QEMU). The disk is opened with
# snapshot=on, so the guest's writes never reach the cached disk.img. -no-reboot makes QEMU exit
# when the guest powers off or panics (the default cmdline has panic=-1).
set -euo pipefail

GUEST="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest"
MEM=1G
DISK=1
BALLOON=1
WORKLOAD=""
ARGS=""
EXTRA=()

usage() {
    sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case "$1" in
        --guest) [ $# -ge 2 ] || usage; GUEST="$2"; shift 2 ;;
        --mem) [ $# -ge 2 ] || usage; MEM="$2"; shift 2 ;;
        --no-disk) DISK=0; shift ;;
        --no-balloon) BALLOON=0; shift ;;
        --workload) [ $# -ge 2 ] || usage; WORKLOAD="$2"; shift 2 ;;
        --args) [ $# -ge 2 ] || usage; ARGS="$2"; shift 2 ;;
        --) shift; EXTRA=("$@"); break ;;
        -h|--help) usage ;;
        *) echo "qemu-boot: unknown argument: $1" >&2; usage ;;
    esac
done

for file in Image initramfs.cpio.gz cmdline disk.img; do
    [ -f "$GUEST/$file" ] || { echo "qemu-boot: $GUEST/$file missing: run guest/build-guest.sh first" >&2; exit 1; }
done

CMDLINE=$(cat "$GUEST/cmdline")
[ -z "$WORKLOAD" ] || CMDLINE="$CMDLINE vmckpt.workload=$WORKLOAD"
[ -z "$ARGS" ] || CMDLINE="$CMDLINE vmckpt.args=$ARGS"

QEMU_ARGS=(
    -M virt -m "$MEM" -nographic -no-reboot -bios default
    -kernel "$GUEST/Image" -initrd "$GUEST/initramfs.cpio.gz" -append "$CMDLINE"
)
if [ "$DISK" = 1 ]; then
    QEMU_ARGS+=(-drive "file=$GUEST/disk.img,if=none,format=raw,id=d0,snapshot=on"
                -device virtio-blk-device,drive=d0)
fi
if [ "$BALLOON" = 1 ]; then
    QEMU_ARGS+=(-device virtio-balloon-device,free-page-reporting=on)
fi
exec qemu-system-riscv64 "${QEMU_ARGS[@]}" "${EXTRA[@]}"
