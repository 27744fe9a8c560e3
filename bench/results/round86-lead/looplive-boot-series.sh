#!/bin/bash
# Round 86, the lead, after CI: a follow-up series of loop86's `-Dvmckpt.jit.loopLive` (retired in its branch) on the
# phases its slot found higher or not lower: the signed boot (13 of 18 higher, p 0.049) and the signed module phase
# (6 of 18 lower), boot and module phase only (MARK "BENCH-INFO tainted": ~15 s a pair). Written before it ran: this is
# evidence for the next round's decision, not a default change in this one (a default needs the whole rule: the target
# lower at p <= 0.05 and no phase of either guest higher at p <= 0.10, in one series that runs every phase).
# A = main's baseline (15885229, /tmp/mainroot86); B = loop86's jar before its revert (0c489dce, /tmp/looplive86).
set -u
cd "$(dirname "$0")/../../.."
OUT=${OUT:-bench/results/round86-lead/looplive-boot}
A="main=/tmp/mainroot86/vmckpt" B="loop=/tmp/looplive86/vmckpt,-Dvmckpt.jit.loopLive=true" GUESTS="signed signed default" \
    MARK="BENCH-INFO tainted" EST=${EST:-25} OUT="$OUT" END=${END:?END=HH:MM:SS} bench/cpu/ab-slot.sh
python3 bench/cpu/pairs.py "$OUT"/R*.json --a main --b loop --phases boot,modules --order > "$OUT/pairs-run-order.txt"
