#!/bin/bash
# lazy82's quiet slot (16:24-16:32 UTC, 2026-12-07): issue 9, a lazily restored guest's first heartbeat within twice the
# period of "restored": the write order's first frames in before its first instruction (-Dvmckpt.restore.lazyLead=N, the
# guest's thread at its priority from the prefetch's start) and a fault that waits for a loader thread reading the next
# frames meanwhile (-Dvmckpt.restore.lazyHelp). Round 80 lazy80's slot script, adapted: runs after the first lazy only.
#   bench/restore.py --guest G --workloads memdirty --later 1 --restores 3 --alternate --keep-repos [--lazy-only]
#   "mine" = this branch's jar with SW, "main" = /tmp/mainroot82's jar (fdb433c2, no options); odd runs mine boots the VM
#   and takes the checkpoints, even runs main's. Runs: ORDER, while a run fits (RUN_SECONDS left before SLOT_END); run 1
#   with eager restores too (the switches do not touch them: an A/A beside the lazy A/B), the others lazy only.
# Run as: SLOT_END=16:31:50 bash bench/results/round82-lazy82/slot-round82-lazy82.sh  (work in /tmp/lazy82/slot/)
set -u
cd /work/wt-lazy82
NEW=/work/wt-lazy82/cli/target/vmckpt.jar
MAIN=/tmp/mainroot82/cli/target/vmckpt.jar
OUT=/work/wt-lazy82/bench/results/round82-lazy82
TAG=${TAG:-slot}
SW=${SW:--Dvmckpt.restore.lazyLead=512 -Dvmckpt.restore.lazyHelp=true}
mkdir -p /tmp/lazy82/slot $OUT
end=$(date -d "${SLOT_END:-16:31:50}" +%s)
left() { echo $((end - $(date +%s))); }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
ORDER=(${ORDER:-signed signed signed default default signed signed})
EAGER_RUNS=${EAGER_RUNS:-1}
guest_of() { echo ${ORDER[$(($1 - 1))]}; }
run() { # run N: odd this jar boots (--jar NEW), even main's (--jar MAIN)
    n=$1; g=$(guest_of $n)
    if [ $((n % 2)) = 1 ]; then a=(--jar $NEW --java-opts="$SW" --base-jar $MAIN --base-java-opts=" ")
    else a=(--jar $MAIN --java-opts=" " --base-jar $NEW --base-java-opts="$SW"); fi
    only=(); [ $n -gt $EAGER_RUNS ] && only=(--lazy-only)
    stamp "run $n ($g): ${a[*]} ${only[*]}"
    XDG_RUNTIME_DIR=$(mktemp -d -p /tmp/lazy82) timeout $(left) python3 bench/restore.py --guest $g --workloads memdirty --later 1 --restores ${RESTORES:-3} \
        "${a[@]}" "${only[@]}" --alternate --keep-repos --work /tmp/lazy82/slot/$TAG-w$n --results /tmp/lazy82/slot/$TAG-r$n \
        > $OUT/restore-$TAG-$g-run$n.txt 2>&1
    echo "rc=$?"
    cp /tmp/lazy82/slot/$TAG-r$n/restore.json $OUT/restore-$TAG-$g-run$n.json 2>/dev/null
    grep -E "summary|faster than QEMU|new:|base:|qemu:" $OUT/restore-$TAG-$g-run$n.txt
}
{
stamp "slot start; jar $(md5sum < $NEW | cut -c1-8) ($(ls -l --time-style=+%H:%M:%S $NEW | awk '{print $6}')), main $(md5sum < $MAIN | cut -c1-8); last code commit $(git log -1 --format='%h %cd' --date=format:%H:%M:%S -- . ':!docs' ':!bench/results'); SW=$SW"
n=1
while [ "$(left)" -gt ${RUN_SECONDS:-75} ] && [ $n -le ${RUNS:-7} ]; do run $n; n=$((n + 1)); done
stamp "slot end"
} 2>&1 | tee $OUT/slot-$TAG-log.txt
