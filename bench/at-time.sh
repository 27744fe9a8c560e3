#!/bin/sh
# The epoch second of the next HH:MM[:SS] (UTC) for the slot scripts' START= and END=: today's, unless that is more than
# 12 hours ago, then tomorrow's. `date -d "today 00:30"` run at 23:50 names the ending day's 00:30, and a slot script
# started before midnight for a slot after it then thought its slot was over and ran nothing (round 85's note).
t=$(date -u -d "today $1" +%s) || exit 2
now=$(date -u +%s)
if [ $((now - t)) -gt 43200 ]; then t=$((t + 86400)); fi
echo "$t"
