#!/bin/bash
# restore79's quiet slot (06:40-06:50 UTC, 2026-12-07): issue 9, the restored guest first, its session beside it, with its
# control socket bound before the guest runs: spawn to "restored"/"running" and to the first heartbeat, eager and lazy,
# vmckpt (this branch with SW, main without) and QEMU 7.2 (timer re-armed) in the same run.
#   bench/restore.py --guest G --workloads memdirty --later 1 --restores 3 --alternate --keep-repos
#   "mine" = this branch's jar with SW, "main" = /tmp/mainroot79's jar (94b8d17b, no options); odd runs mine boots the VM
#   and takes the checkpoints, even runs main's. Runs: 1-2 the signed guest, 3-4 the default guest, then signed again
#   while a run fits (RUN_SECONDS left).
# Run as: SLOT_END=06:49:50 bash bench/results/round79-restore79/slot-round79-restore79.sh  (work in /tmp/restore79/slot/)
set -u
cd /work/wt-restore79
NEW=/work/wt-restore79/cli/target/vmckpt.jar
MAIN=/tmp/mainroot79/cli/target/vmckpt.jar
OUT=/work/wt-restore79/bench/results/round79-restore79
TAG=${TAG:-slot}
# =true: its eager restores take the path =eager gives them (VmSession.besideRestored differs for --lazy only), and its lazy
# restores measure the beside form against main's order at quiet (=eager's lazy restores would be main's path again).
SW=${SW:--Dvmckpt.restore.sessionBeside=true}
mkdir -p /tmp/restore79/slot $OUT
end=$(date -d "${SLOT_END:-06:49:50}" +%s)
left() { echo $((end - $(date +%s))); }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
ORDER=(${ORDER:-signed signed default default signed signed})
guest_of() { echo ${ORDER[$(($1 - 1))]}; }
run() { # run N: odd this jar boots (--jar NEW), even main's (--jar MAIN)
    n=$1; g=$(guest_of $n)
    if [ $((n % 2)) = 1 ]; then a=(--jar $NEW --java-opts="$SW" --base-jar $MAIN --base-java-opts=" ")
    else a=(--jar $MAIN --java-opts=" " --base-jar $NEW --base-java-opts="$SW"); fi
    stamp "run $n ($g): ${a[*]}"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(left) python3 bench/restore.py --guest $g --workloads memdirty --later 1 --restores ${RESTORES:-3} \
        "${a[@]}" --alternate --keep-repos --work /tmp/restore79/slot/$TAG-w$n --results /tmp/restore79/slot/$TAG-r$n \
        > $OUT/restore-$TAG-$g-run$n.txt 2>&1
    echo "rc=$?"
    cp /tmp/restore79/slot/$TAG-r$n/restore.json $OUT/restore-$TAG-$g-run$n.json 2>/dev/null
    grep -E "summary|faster than QEMU|new:|base:|qemu:" $OUT/restore-$TAG-$g-run$n.txt
}
{
stamp "slot start; jar $(md5sum < $NEW | cut -c1-8) ($(ls -l --time-style=+%H:%M:%S $NEW | awk '{print $6}')), main $(md5sum < $MAIN | cut -c1-8); last code commit $(git log -1 --format='%h %cd' --date=format:%H:%M:%S -- . ':!docs' ':!bench/results'); SW=$SW"
n=1
while [ "$(left)" -gt ${RUN_SECONDS:-100} ] && [ $n -le ${RUNS:-6} ]; do run $n; n=$((n + 1)); done
stamp "slot end"
} 2>&1 | tee $OUT/slot-$TAG-log.txt
