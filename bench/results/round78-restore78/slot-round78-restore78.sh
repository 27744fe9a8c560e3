#!/bin/bash
# restore78's quiet slot (03:48-03:58 UTC, 2026-12-07): issue 9, a restored guest back to work: spawn to "restored"/"running"
# and to the guest's first heartbeat after the restore, vmckpt (this branch, main) and QEMU 7.2 (timer re-armed).
#  1. bench/restore.py --guest signed --workloads memdirty --later 1 --restores 3 --alternate --keep-repos, QEMU in the
#     same run: "mine" = this branch's jar with SW (the restored guest first, its session beside it; its new generation's
#     ID from /dev/urandom), "main" = /tmp/mainroot78's jar (4d35e771); odd runs mine boots the VM and takes the
#     checkpoints, even runs main's. A run starts only with RUN_SECONDS left.
#  2. The rest of the slot: b2b-round78-restore78.py, back-to-back restores of /tmp/restore78/mk/repo-memdirty's
#     memdirty-later-0 (made at 02:29 with this branch's jar; its guest's next heartbeat is due ~77 ms of guest time after
#     the restore) to the first heartbeat, in rounds main, beside, both, both, beside, main ("beside" = this jar with
#     -Dvmckpt.restore.sessionBeside=true only, "both" = with SW), to 30 s before the end.
#  3. phase-round78-restore78.py: when each checkpoint's guest is due to print its next heartbeat (its own wait).
# Run as: SLOT_END=03:57:50 bash bench/results/round78-restore78/slot-round78-restore78.sh  (work in /tmp/restore78/slot/)
set -u
cd /work/wt-restore78
NEW=/work/wt-restore78/cli/target/vmckpt.jar
MAIN=/tmp/mainroot78/cli/target/vmckpt.jar
OUT=/work/wt-restore78/bench/results/round78-restore78
TAG=${TAG:-slot}
SW="-Dvmckpt.restore.sessionBeside=true -Dvmckpt.genid.urandom=true"
REPO=/tmp/restore78/mk/repo-memdirty
mkdir -p /tmp/restore78/slot $OUT
end=$(date -d "${SLOT_END:-03:57:50}" +%s)
left() { echo $((end - $(date +%s))); }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
run() { # run N: 1,3,... this jar boots (--jar NEW), 2,4,... main's (--jar MAIN)
    n=$1
    if [ $((n % 2)) = 1 ]; then a=(--jar $NEW --java-opts="$SW" --base-jar $MAIN --base-java-opts=" ")
    else a=(--jar $MAIN --java-opts=" " --base-jar $NEW --base-java-opts="$SW"); fi
    stamp "run $n: ${a[*]}"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(left) python3 bench/restore.py --guest signed --workloads memdirty --later 1 --restores 3 \
        "${a[@]}" --alternate --keep-repos --work /tmp/restore78/slot/$TAG-w$n --results /tmp/restore78/slot/$TAG-r$n \
        > $OUT/restore-$TAG-run$n.txt 2>&1
    echo "rc=$?"
    cp /tmp/restore78/slot/$TAG-r$n/restore.json $OUT/restore-$TAG-run$n.json 2>/dev/null
    grep -E "summary|faster than QEMU|new:|base:|qemu:" $OUT/restore-$TAG-run$n.txt
}
{
stamp "slot start; jar $(md5sum < $NEW | cut -c1-8) ($(ls -l --time-style=+%H:%M:%S $NEW | awk '{print $6}')), main $(md5sum < $MAIN | cut -c1-8); last code commit $(git log -1 --format='%h %cd' --date=format:%H:%M:%S -- . ':!docs' ':!bench/results')"
n=1
while [ "$(left)" -gt ${RUN_SECONDS:-115} ] && [ $n -le ${RUNS:-4} ]; do run $n; n=$((n + 1)); done
if [ "$(left)" -gt 50 ]; then
    stamp "back to back, $(($(left) - 30)) s"
    python3 $OUT/b2b-round78-restore78.py $REPO memdirty-later-0 $(($(left) - 30)) main=$MAIN beside=$NEW:-Dvmckpt.restore.sessionBeside=true "both=$NEW:$SW"
fi
stamp "when each checkpoint's guest is due to print (untimed)"
timeout $(left) python3 $OUT/phase-round78-restore78.py $NEW memdirty-later-0 1.5 $REPO /tmp/restore78/slot/$TAG-w*/repo-memdirty
stamp "slot end"
} 2>&1 | tee $OUT/slot-$TAG-log.txt
