#!/bin/bash
# lazy80's quiet slot (09:50-10:02 UTC, 2026-12-07): issue 9, a lazily restored guest that does not crawl: the reference
# pages loaded ahead (the boot files read in place) and waited for, the session beside the guest (-Dvmckpt.restore.lazyAhead).
# Spawn to "restored"/"running" and to the first heartbeat, the gaps in the next 3 s, eager and lazy, vmckpt (this branch
# with SW, main without) and QEMU 7.2 (timer re-armed) in the same run (round 79 restore79's slot script, adapted).
#   bench/restore.py --guest G --workloads memdirty --later 1 --restores 3 --alternate --keep-repos
#   "mine" = this branch's jar with SW, "main" = /tmp/mainroot80's jar (19679ba0, no options); odd runs mine boots the VM
#   and takes the checkpoints, even runs main's. Runs: ORDER (signed first, the default guest in runs 5-6), while a run
#   fits (RUN_SECONDS left before SLOT_END).
# Run as: SLOT_END=10:01:50 bash bench/results/round80-lazy80/slot-round80-lazy80.sh  (work in /tmp/lazy80/slot/)
set -u
cd /work/wt-lazy80
NEW=/work/wt-lazy80/cli/target/vmckpt.jar
MAIN=/tmp/mainroot80/cli/target/vmckpt.jar
OUT=/work/wt-lazy80/bench/results/round80-lazy80
TAG=${TAG:-slot}
# The switch only changes lazy restores: this jar's eager restores take main's path (an A/A check beside the lazy A/B).
SW=${SW:--Dvmckpt.restore.lazyAhead=true}
mkdir -p /tmp/lazy80/slot $OUT
end=$(date -d "${SLOT_END:-10:01:50}" +%s)
left() { echo $((end - $(date +%s))); }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
ORDER=(${ORDER:-signed signed signed signed default default signed signed})
guest_of() { echo ${ORDER[$(($1 - 1))]}; }
run() { # run N: odd this jar boots (--jar NEW), even main's (--jar MAIN)
    n=$1; g=$(guest_of $n)
    if [ $((n % 2)) = 1 ]; then a=(--jar $NEW --java-opts="$SW" --base-jar $MAIN --base-java-opts=" ")
    else a=(--jar $MAIN --java-opts=" " --base-jar $NEW --base-java-opts="$SW"); fi
    stamp "run $n ($g): ${a[*]}"
    XDG_RUNTIME_DIR=$(mktemp -d -p /tmp/lazy80) timeout $(left) python3 bench/restore.py --guest $g --workloads memdirty --later 1 --restores ${RESTORES:-3} \
        "${a[@]}" --alternate --keep-repos --work /tmp/lazy80/slot/$TAG-w$n --results /tmp/lazy80/slot/$TAG-r$n \
        > $OUT/restore-$TAG-$g-run$n.txt 2>&1
    echo "rc=$?"
    cp /tmp/lazy80/slot/$TAG-r$n/restore.json $OUT/restore-$TAG-$g-run$n.json 2>/dev/null
    grep -E "summary|faster than QEMU|new:|base:|qemu:" $OUT/restore-$TAG-$g-run$n.txt
}
{
stamp "slot start; jar $(md5sum < $NEW | cut -c1-8) ($(ls -l --time-style=+%H:%M:%S $NEW | awk '{print $6}')), main $(md5sum < $MAIN | cut -c1-8); last code commit $(git log -1 --format='%h %cd' --date=format:%H:%M:%S -- . ':!docs' ':!bench/results'); SW=$SW"
n=1
while [ "$(left)" -gt ${RUN_SECONDS:-100} ] && [ $n -le ${RUNS:-8} ]; do run $n; n=$((n + 1)); done
stamp "slot end"
} 2>&1 | tee $OUT/slot-$TAG-log.txt
