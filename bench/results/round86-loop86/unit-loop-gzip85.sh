#!/bin/bash
# The shortest loop of hot unit KEY's C2 code from a print run (print-gzip85.sh): its build's class from the
# hot log, the last non-OSR C2 print of that class, bench/cpu/c2-loop.py's first back edges.
#   unit-loop-round75-chain75.sh PREFIX KEY
P=$1; K=$2
cls=$(grep -a "built key $K " $P.err | tail -1 | sed 's/.*build \(org[^ ]*\) (\([0-9]* insns\), \([0-9]* bytecode\).*/\1 \2 \3/')
echo "$K: $cls"
c=$(echo $cls | cut -d' ' -f1 | sed 's/.*HotUnit/HotUnit/')
n=$(grep -a 'Compiled method (c2)' $P.print | grep -v ' % ' | grep -n "$c::run" | tail -1 | cut -d: -f1)
[ -z "$n" ] && { echo "  no C2 print"; exit 0; }
python3 "$(dirname "$0")/../../cpu/c2-loop.py" $P.print $((n-1)) 2>/dev/null | head -4
