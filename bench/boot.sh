#!/usr/bin/env bash
# Boot benchmark (not a test): boots the default guest to its ready marker N times with vmckpt and, when
# qemu-system-riscv64 is installed, N times with QEMU (TCG) on the same kernel, initramfs and command line,
# interleaved so both see the same machine load. Prints each run and the medians, and the ratio.
#
#   bench/boot.sh [RUNS] [MEM]        (defaults: 3 runs, 512M)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-3}"
MEM="${2:-512M}"
GUEST="${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest"
[ -f cli/target/vmckpt.jar ] || ./build
[ -f "$GUEST/VERSION" ] || guest/build-guest.sh
MARKER=VMCKPT-READY

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

vm_times=(); qemu_times=(); mips=()
for i in $(seq 1 "$RUNS"); do
    out=$(./vmckpt run --mem "$MEM" --no-disk --exit-on "$MARKER" --stats --console /dev/null 2>&1 </dev/null | grep 'instructions in')
    t=$(echo "$out" | sed -n 's/.*marker after \([0-9.]*\) s.*/\1/p')
    n=$(echo "$out" | sed -n 's/vmckpt: \([0-9,]*\) instructions.*/\1/p' | tr -d ,)
    m=$(echo "$out" | sed -n 's/.*(\([0-9.]*\) MIPS.*/\1/p')
    echo "vmckpt run $i: marker after $t s, $n instructions, $m MIPS"
    vm_times+=("$t"); mips+=("$m")
    if command -v qemu-system-riscv64 >/dev/null; then
        # QEMU keeps running after the marker (the guest sits at its shell): watch its console file and
        # stop it ourselves once the marker appears.
        log=$(mktemp)
        start=$(date +%s.%N)
        guest/qemu-boot.sh --mem "$MEM" --no-disk --no-balloon </dev/null >"$log" 2>/dev/null &
        qpid=$!
        until grep -q "$MARKER" "$log" 2>/dev/null; do
            kill -0 "$qpid" 2>/dev/null || break
            sleep 0.01
        done
        end=$(date +%s.%N)
        kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true
        rm -f "$log"
        q=$(echo "$end - $start" | bc -l)
        printf 'qemu   run %d: marker after %.2f s\n' "$i" "$q"
        qemu_times+=("$q")
    fi
done
vm=$(printf '%s\n' "${vm_times[@]}" | median)
echo "vmckpt median boot-to-marker: $vm s (range $(printf '%s\n' "${vm_times[@]}" | sort -g | head -1)-$(printf '%s\n' "${vm_times[@]}" | sort -g | tail -1)), median $(printf '%s\n' "${mips[@]}" | median) MIPS"
if [ ${#qemu_times[@]} -gt 0 ]; then
    q=$(printf '%s\n' "${qemu_times[@]}" | median)
    echo "qemu   median boot-to-marker: $q s (range $(printf '%s\n' "${qemu_times[@]}" | sort -g | head -1)-$(printf '%s\n' "${qemu_times[@]}" | sort -g | tail -1))"
    echo "ratio vmckpt/qemu: $(echo "$vm / $q" | bc -l | xargs printf '%.2f')"
fi
