#!/usr/bin/env bash
# The fork phase's run-thread profile, run by run (round 71): N runs of bench/cpu/perf-phase.py with PHASE=fork (perf
# samples of the "java" thread from fork-start to fork-end), each summed by kind of code (perf-split.py) and by symbol,
# so that runs in the phase's slow mode can be laid beside fast ones. Untimed: a profile per CPU second, not a time.
#
#   bench/cpu/perf-fork-series.sh N LAUNCHER OUTDIR [JAVA_OPT...]
set -euo pipefail
n=$1; launcher=$2; out=$3; shift 3
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
for i in $(seq 1 "$n"); do
    o="$out/fork-$i"
    PHASE=fork GUEST="${GUEST:-default}" python3 "$here/perf-phase.py" "$launcher" "$o" "$@"
    samples=$(perf report -i "$o.fork.data" --comms java --stdio -F sample 2>/dev/null | awk '/^#/ {next} NF {s+=$1} END {print s}')
    echo "run $i: fork-phase samples of the run thread $samples ($(awk '{print $1, $2}' "$o.marks" | tr '\n' ' '))" | tee -a "$out/summary.txt"
    python3 "$here/perf-split.py" "$o.fork.data" >> "$out/summary.txt"
    perf report -i "$o.fork.data" --comms java --sort sym --stdio -F overhead,sample,sym 2>/dev/null | grep -v '^#' | head -60 > "$o.syms.txt"
done
