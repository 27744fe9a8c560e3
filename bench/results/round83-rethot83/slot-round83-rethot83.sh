#!/bin/bash
# Round 83, rethot83's slot (19:18-19:25 UTC): main's build against this branch's (the retired switches' code gone,
# the defaults' behaviour unchanged): a sanity check, expected level. Both guests, pairs alternating in order.
# Started early; sleeps until the slot's minute.
cd "$(dirname "$0")/../../.."
START=${START:-19:18:00}
now=$(date -u +%s); at=$(date -u -d "today $START" +%s)
[ "$at" -gt "$now" ] && sleep $(( at - now ))
A="main=/tmp/mainroot83/vmckpt" B="rethot=/work/wt-rethot83/vmckpt" GUESTS="default signed" EST=${EST:-65} \
OUT=${OUT:-bench/results/round83-rethot83/slot} END=${END:-19:24:40} bench/cpu/ab-slot.sh
