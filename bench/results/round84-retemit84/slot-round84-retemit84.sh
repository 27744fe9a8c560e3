#!/bin/bash
# retemit84's slot (22:38-22:44 UTC): main's build against this branch's final jar, both with their defaults,
# bench/cpu/ab-slot.sh to the fork phase's start (boot, modules, compute), the default and signed guests taking turns.
# Started early in the write window; sleeps until START (default 22:38:00), so nothing of it runs before the slot.
set -u
cd "$(dirname "$0")/../../.."
START=${START:-22:38:00}
END=${END:-22:43:25}
OUT=${OUT:-bench/results/round84-retemit84/slot}
now=$(date -u +%s); at=$(date -u -d "today $START" +%s)
[ "$at" -gt "$now" ] && sleep $(( at - now ))
echo "# slot start $(date -u +%H:%M:%S)"
A="main=/tmp/mainroot84/vmckpt" B="r84=/work/wt-retemit84/vmckpt" GUESTS="${GUESTS:-default signed}" \
  MARK="BENCH-MARK fork-start" EST=${EST:-75} OUT="$OUT" END="$END" bench/cpu/ab-slot.sh
echo "# slot end $(date -u +%H:%M:%S)"
