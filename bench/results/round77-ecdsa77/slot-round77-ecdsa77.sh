#!/bin/bash
# Round 77, ecdsa77's slot (00:51-01:00 UTC): the signed guest's boot and module phase, main's build against this
# branch's with kernel hot builds to C2 at once after the boot and the early look for long-run kernel units.
#   bench/results/round77-ecdsa77/slot-round77-ecdsa77.sh [START=HH:MM:SS] [END=HH:MM:SS] [OUT=dir]
set -u
cd "$(dirname "$0")/../../.."
START=${START:-00:51:00} END=${END:-00:59:30} OUT=${OUT:-bench/results/round77-ecdsa77/slot}
now=$(date -u +%s); at=$(date -u -d "today $START" +%s)
[ $(( now - at )) -gt 43200 ] && at=$(( at + 86400 )) # (started before midnight for a slot after it; ab-slot.sh's END is read then, after midnight)
[ "$at" -gt "$now" ] && { echo "# $(date -u +%T) sleeping until $START"; sleep $(( at - now )); }
echo "# $(date -u +%T) start; main jar $(md5sum /tmp/mainroot77/cli/target/vmckpt.jar | cut -c1-8), mine $(md5sum cli/target/vmckpt.jar | cut -c1-8)"
A="main=/tmp/mainroot77/vmckpt" \
B="c2kernel=$PWD/vmckpt,-Dvmckpt.jit.hotC2Kernel=true -Dvmckpt.jit.hotC2KernelEarly=2000000" \
GUESTS=signed MARK="BENCH-INFO tainted" EST=30 OUT="$OUT" END="$END" bench/cpu/ab-slot.sh
python3 bench/cpu/pairs.py "$OUT"/R*.json --a main --b c2kernel --metric C2 > "$OUT/pairs-C2.txt"
echo "# $(date -u +%T) done"
