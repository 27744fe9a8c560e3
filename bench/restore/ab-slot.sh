#!/bin/bash
# A/B of restores in a quiet slot (a benchmark, not a test): bench/restore.py run again and again until the slot's end,
# two jars taking turns at booting the VM and taking the checkpoints (odd runs NEW, even runs BASE), each run restoring
# with both jars in turn (--alternate). The table of pairs: bench/restore/pairs.py OUT/restore-*-run*.json.
# Made from rounds 80-82's per-round slot scripts (lazy80, lazy82), which each copied the one before.
#
#   NEW=JAR BASE=JAR [NEW_OPTS="-D..."] [BASE_OPTS="-D..."] [GUESTS="signed default"] [END=HH:MM:SS] [OUT=DIR]
#   [WORK=DIR] [RUN_SECONDS=75] [RUNS=7] [RESTORES=3] [LATER=1] [EAGER_RUNS=1] [TAG=slot] [WORKLOAD=memdirty]
#   [EXTRA="--checkpoint-with each --no-qemu ..."] bench/restore/ab-slot.sh
#
# GUESTS is the order of runs' guests, repeated (default: "signed signed default"); runs after EAGER_RUNS restore
# lazily only (--lazy-only: more lazy pairs in a slot). A run starts only while RUN_SECONDS are left before END, and
# `timeout` ends it at END. Output: OUT/restore-TAG-GUEST-runN.{txt,json} and OUT/slot-TAG-log.txt.
# Round 84 (restore84): WORKLOAD (bench/restore.py's, e.g. memrandom; default memdirty), EXTRA (more restore.py
# options, e.g. --checkpoint-with each for a switch that acts where the checkpoint is written, --eager-only, --no-qemu;
# EAGER_RUNS=0 with --eager-only: every run eager), and bench/cpu/canary.c's fixed work run before and after each run
# (OUT/restore-TAG-GUEST-runN.canary: "alu S mem S" lines), from which bench/restore/pairs.py marks slow-host runs.
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
: "${NEW:?NEW=JAR (the jar under test) is required}" "${BASE:?BASE=JAR (the baseline jar) is required}"
for j in "$NEW" "$BASE"; do [ -f "$j" ] || { echo "ab-slot.sh: $j: no such jar" >&2; exit 2; }; done
NEW_OPTS=${NEW_OPTS:- } BASE_OPTS=${BASE_OPTS:- }
OUT=${OUT:-/tmp/restore-ab/results} WORK=${WORK:-/tmp/restore-ab/work} TAG=${TAG:-slot}
read -r -a GUEST_ORDER <<< "${GUESTS:-signed signed default}"
mkdir -p "$OUT" "$WORK"
end=$("$(dirname "$0")/../at-time.sh" "${END:-$(date -u -d '+10 min' +%H:%M:%S)}")
left() { echo $((end - $(date +%s))); }
canary_bin=$WORK/canary
[ -x "$canary_bin" ] || gcc -O2 -o "$canary_bin" "$here/bench/cpu/canary.c"
canary() { "$canary_bin" | cut -d' ' -f1-4; }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
run() {
    local n=$1 g=${GUEST_ORDER[$(( ($1 - 1) % ${#GUEST_ORDER[@]} ))]} a only=()
    if [ $((n % 2)) = 1 ]; then a=(--jar "$NEW" --java-opts="$NEW_OPTS" --base-jar "$BASE" --base-java-opts="$BASE_OPTS")
    else a=(--jar "$BASE" --java-opts="$BASE_OPTS" --base-jar "$NEW" --base-java-opts="$NEW_OPTS"); fi
    [ "$n" -gt "${EAGER_RUNS:-1}" ] && [[ " ${EXTRA:-} " != *" --eager-only "* ]] && only=(--lazy-only)
    local extra=()
    read -r -a extra <<< "${EXTRA:-}"
    stamp "run $n ($g): ${a[*]} ${only[*]} ${extra[*]}"
    canary > "$OUT/restore-$TAG-$g-run$n.canary"
    XDG_RUNTIME_DIR=$(mktemp -d -p "$WORK") timeout "$(left)" python3 "$here/bench/restore.py" --guest "$g" \
        --workloads "${WORKLOAD:-memdirty}" --later "${LATER:-1}" --restores "${RESTORES:-3}" "${a[@]}" "${only[@]}" "${extra[@]}" --alternate \
        --work "$WORK/$TAG-w$n" --results "$WORK/$TAG-r$n" > "$OUT/restore-$TAG-$g-run$n.txt" 2>&1
    echo "rc=$?"
    canary >> "$OUT/restore-$TAG-$g-run$n.canary"
    echo "canary: $(tr '\n' ' ' < "$OUT/restore-$TAG-$g-run$n.canary")"
    cp "$WORK/$TAG-r$n/restore.json" "$OUT/restore-$TAG-$g-run$n.json" 2>/dev/null
    grep -E "summary|faster than QEMU|new:|base:|qemu:" "$OUT/restore-$TAG-$g-run$n.txt"
}
{
    stamp "slot start; NEW $(md5sum < "$NEW" | cut -c1-8) opts '$NEW_OPTS', BASE $(md5sum < "$BASE" | cut -c1-8) opts '$BASE_OPTS'"
    n=1
    while [ "$(left)" -gt "${RUN_SECONDS:-75}" ] && [ "$n" -le "${RUNS:-7}" ]; do run $n; n=$((n + 1)); done
    stamp "slot end"
} 2>&1 | tee "$OUT/slot-$TAG-log.txt"
