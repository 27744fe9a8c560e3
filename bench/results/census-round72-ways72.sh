#!/bin/bash
# Round 72 ways72: the translator census (-Dvmckpt.jit.census=true) of a default-guest run to BENCH-DONE, the switch
# off and on (untimed; write window). Usage: bash bench/results/census-round72-ways72.sh TAG...  (off-a, on-a, ...)
cd "$(dirname "$0")/../.."
for tag in "$@"; do
    case $tag in off*) o="-Dvmckpt.jit.census=true" ;; *) o="-Dvmckpt.jit.census=true -Dvmckpt.mmu.twoWay=true" ;; esac
    XDG_RUNTIME_DIR=$(mktemp -d) python3 -c "
import sys; sys.path.insert(0, 'bench/cpu'); import threads
r = threads.run_once('${RUN:-/tmp/ways72-run}/vmckpt', '$o', 'default', 'BENCH-DONE', 'census-$tag', logpath='bench/results/r72w/census-$tag.log')
print('exit', r.get('exit'))"
    grep "census" bench/results/r72w/census-$tag.log > bench/results/census-round72-ways72-$tag.txt
    echo "$(date -u +%T) census $tag done"
done
