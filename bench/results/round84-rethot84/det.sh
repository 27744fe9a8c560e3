#!/bin/bash
# usage: det.sh LABEL  -- runs det-hot on both guests with the worktree's jar and diffs against main's
# (the Stats fields retired with their rules, always 0 on main, are dropped from both sides before comparing: RETIRED)
L=$1
RETIRED="hotDeferred|hotBriefRejected|hotRequeued|hotRequeuedAtLook"
cd /work/wt-rethot84
for g in default signed; do
  POINTS="500000000 1500000000 3000000000" bench/cpu/det-hot.sh /work/wt-rethot84 $g /tmp/rethot84/det/$L-$g
  norm() { sed -E "s/, ($RETIRED)=0//g" "$1"; }
  if cmp -s /tmp/rethot84/det/main-$g.hot /tmp/rethot84/det/$L-$g.hot && cmp -s <(norm /tmp/rethot84/det/main-$g.out) <(norm /tmp/rethot84/det/$L-$g.out); then echo "$L $g: EQUAL (hot log $(wc -l < /tmp/rethot84/det/$L-$g.hot) lines, 3 state hashes, stats without the retired zero fields)"; else echo "$L $g: DIFFER"; diff <(norm /tmp/rethot84/det/main-$g.out) <(norm /tmp/rethot84/det/$L-$g.out) | head; diff /tmp/rethot84/det/main-$g.hot /tmp/rethot84/det/$L-$g.hot | head; fi
done
