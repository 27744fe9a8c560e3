#!/bin/bash
# Round 84, rethot84's slot (22:32-22:38 UTC): main's build (dce970ae, /tmp/mainroot84) against this branch's (the
# retired switches' code gone, the defaults' behaviour unchanged): a sanity check, expected level. Both guests, pairs
# alternating in order (bench/cpu/ab-slot.sh). Started early; sleeps until the slot's minute.
cd "$(dirname "$0")/../../.."
START=${START:-22:32:05}
now=$(date -u +%s); at=$(date -u -d "today $START" +%s)
[ "$at" -gt "$now" ] && sleep $(( at - now ))
A="main=/tmp/mainroot84/vmckpt" B="rethot=/work/wt-rethot84/vmckpt" GUESTS="default signed" EST=${EST:-65} \
OUT=${OUT:-bench/results/round84-rethot84/slot} END=${END:-22:37:40} bench/cpu/ab-slot.sh
