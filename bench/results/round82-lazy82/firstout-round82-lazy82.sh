#!/bin/bash
# lazy82: each lazy restore's own account of its guest's first output (--stats) from the slot's logs, by run, rep and jar
# (bench/restore.py's "new" is --jar: this branch's in odd runs, main's in even runs), and its restore phases.
#   bash bench/results/round80-lazy82/firstout-round80-lazy82.sh /tmp/lazy82/slot slot > .../firstout-slot.txt
D=${1:-/tmp/lazy82/slot}; TAG=${2:-slot}
for w in $D/$TAG-w*; do
    n=${w##*-w}
    for f in $w/logs/restore-memdirty-*-lazy.err; do
        [ -f "$f" ] || continue
        b=$(basename $f .err); who=$(echo $b | cut -d- -f3); rep=$(echo $b | cut -d- -f4)
        if [ $((n % 2)) = 1 ]; then jar=$([ $who = new ] && echo mine || echo main); else jar=$([ $who = new ] && echo main || echo mine); fi
        echo "run $n rep $rep $jar: $(grep -o 'restore phases: .*' $f | cut -c1-200)"
        echo "   $(grep -o "the guest's first output .*" $f | sed 's/; CPU of all threads.*//')"
    done
done
