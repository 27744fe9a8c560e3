#!/bin/bash
# Round 74 tlb74: the census lines of each run (bench/results/r74t/census-*.log) side by side.
cd "$(dirname "$0")/../.."
for f in "$@"; do
    echo "== $f"
    grep -A18 'vmckpt census:' "$f" | cut -c13- | grep -E 'census:|load|store|prologue|exit'
done
