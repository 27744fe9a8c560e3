#!/bin/bash
# restore77's quiet slot (00:33-00:42 UTC, 2026-12-07): issue 9's eager restore of the signed guest's memdirty checkpoint.
#  1. bench/LoaderStages.java: the DATA loader's stages per MiB on one thread (C1 only, as the restore's code), on the
#     pack of /tmp/restore77/mk/repo-memdirty (made in the write window with this branch's jar), and memcpy's speed;
#     then the same with the pack mapped (-Dmap=true: no pread, the first pass's CRC meets the mapping's faults).
#  2. bench/restore.py, QEMU 7.2 in the same run with its timer re-armed (this branch's harness: both VMMs timed to
#     running and to the first heartbeat): "mine" = this branch's jar as it would merge (the switch off: the generation
#     ID's one draw, no switch, is its only change of the defaults; RESTORE_SW=... adds JVM options to it), "main" =
#     /tmp/mainroot77's jar (c06fa127); --alternate (which jar restores first turns by rep); odd runs mine boots the VM and
#     takes the checkpoints, even runs main's.
#  3. While time is left: bench/restore-threads.py back to back on the repository of 1, triples in the order main, off,
#     on, on, off, main ("off" = this jar without the switch: the generation ID's one draw only; "on" = with it).
# Run as: SLOT_END=00:41:50 bash bench/results/round77-restore77/slot-round77-restore77.sh  (work in /tmp/restore77/slot/)
set -u
cd /work/wt-restore77
NEW=/work/wt-restore77/cli/target/vmckpt.jar
MAIN=/tmp/mainroot77/cli/target/vmckpt.jar
OUT=/work/wt-restore77/bench/results/round77-restore77
TAG=${TAG:-slot}
SW=-Dvmckpt.restore.mapPacks=true
REPO=/tmp/restore77/mk/repo-memdirty
PACK=$(ls $REPO/packs/*.pack | head -1)
mkdir -p /tmp/restore77/slot $OUT
end=$(date -d "${SLOT_END:-00:41:50}" +%s)
left() { echo $((end - $(date +%s))); }
stamp() { echo "== $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg): $*"; }
run() { # run N: 1,3,... this jar boots (--jar NEW), 2,4,... main's (--jar MAIN)
    n=$1
    if [ $((n % 2)) = 1 ]; then a=(--jar $NEW --java-opts="${RESTORE_SW:- }" --base-jar $MAIN --base-java-opts=" ")
    else a=(--jar $MAIN --java-opts=" " --base-jar $NEW --base-java-opts="${RESTORE_SW:- }"); fi
    stamp "run $n: ${a[*]}"
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $(left) python3 bench/restore.py --guest signed --workloads memdirty --later 1 --restores 3 \
        "${a[@]}" --alternate --work /tmp/restore77/slot/$TAG-w$n --results /tmp/restore77/slot/$TAG-r$n \
        > $OUT/restore-$TAG-run$n.txt 2>&1
    echo "rc=$?"
    cp /tmp/restore77/slot/$TAG-r$n/restore.json $OUT/restore-$TAG-run$n.json 2>/dev/null
    grep -E "summary|faster than QEMU|qemu:" $OUT/restore-$TAG-run$n.txt
}
{
stamp "slot start; jar $(md5sum < $NEW | cut -c1-8) ($(ls -l --time-style=+%H:%M:%S $NEW | awk '{print $6}')), main $(md5sum < $MAIN | cut -c1-8); last code commit $(git log -1 --format='%h %cd' --date=format:%H:%M:%S -- . ':!docs' ':!bench/results')"
if [ -z "${NO_STAGES:-}" ]; then
    for m in false true; do
        stamp "LoaderStages on $PACK, mapped $m"
        timeout 60 java -Dmap=$m -XX:+UseParallelGC -XX:+UseTransparentHugePages -Xms2500m -Xmx2500m -Xmn1500m -XX:TieredStopAtLevel=1 \
            -cp $NEW bench/LoaderStages.java $PACK 2>&1
    done
fi
n=1
while [ "$(left)" -gt ${RUN_SECONDS:-170} ] && [ $n -le ${RUNS:-2} ]; do run $n; n=$((n + 1)); done
i=1
while [ "$(left)" -gt 12 ]; do
    for v in main off on on off main; do
        [ "$(left)" -gt 12 ] || break
        case $v in
            main) jar=$MAIN; o="" ;;
            off) jar=$NEW; o="" ;;
            on) jar=$NEW; o="$SW" ;;
        esac
        stamp "threads $i $v"
        XDG_RUNTIME_DIR=$(mktemp -d) timeout $(left) python3 bench/restore-threads.py $jar $REPO memdirty-later-0 $o 2>&1 | grep -E 'wall|gc:|axis|phases'
    done
    i=$((i + 1))
done
stamp "slot end"
} 2>&1 | tee $OUT/slot-$TAG-log.txt
