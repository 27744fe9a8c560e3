#!/bin/bash
# Round 80 (memdirty80), the count (CPU by stage and thread, faults, collector; the host's load logged per restore):
# N rounds of bench/restore-threads.py, order turning each round: main's jar restoring main's memdirty checkpoint (zstd
# frames, REPO_MAIN) and this branch's jar restoring its own (written with -Dvmckpt.restore.rawSeqPerKiB=96: memdirty's
# frames stored as they are, REPO_MINE), and with X=1 main's jar restoring the branch's checkpoint too (any build reads it).
#   N=4 MINE=JAR MAIN=JAR REPO_MINE=DIR REPO_MAIN=DIR LABEL=memdirty-later-0 bash count.sh > OUT.txt 2>&1
set -u
cd "$(dirname "$0")/../../.."
for r in $(seq 1 "${N:-4}"); do
    if [ $((r % 2)) = 1 ]; then order="main mine${X:+ main-on-mine}"; else order="${X:+main-on-mine }mine main"; fi
    for v in $order; do
        case $v in
            main) j=$MAIN; repo=$REPO_MAIN ;;
            mine) j=$MINE; repo=$REPO_MINE ;;
            main-on-mine) j=$MAIN; repo=$REPO_MINE ;;
        esac
        echo "== round $r $v $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
        python3 bench/restore-threads.py "$j" "$repo" "$LABEL" 2>&1 | grep -E "restored .* in|time axis|before the restore|restore phases|cpu by thread|^gc"
    done
done
