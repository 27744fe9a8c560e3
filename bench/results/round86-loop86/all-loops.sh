#!/bin/bash
# For every hot key built in both print runs (print-gzip85.sh), the shortest loop (first back edge c2-loop.py lists) of
# its last C2 build in each, side by side, and the C2 code size (untimed: a count).
#   all-loops.sh PREFIX_A PREFIX_B
A=$1; B=$2; D=$(dirname "$0")
for k in $(grep -a "built key" $A.err | sed 's/.*built key \([0-9a-f]*\) .*/\1/' | sort -u); do
  grep -aq "built key $k " $B.err || continue
  ra=$($D/unit-loop-gzip85.sh $A $k | sed -n '2,3p' | tr '\n' ' ')
  rb=$($D/unit-loop-gzip85.sh $B $k | sed -n '2,3p' | tr '\n' ' ')
  ia=$(echo "$ra" | sed -n 's/.*, \([0-9]*\) bytes, [0-9]* instructions back [0-9a-f]* -> [0-9a-f]*: \([0-9]*\) instructions, \([0-9]*\) with.*/\1 \2 \3/p')
  ib=$(echo "$rb" | sed -n 's/.*, \([0-9]*\) bytes, [0-9]* instructions back [0-9a-f]* -> [0-9a-f]*: \([0-9]*\) instructions, \([0-9]*\) with.*/\1 \2 \3/p')
  echo "$k A(bytes loop stack): ${ia:-none}  B: ${ib:-none}"
done
