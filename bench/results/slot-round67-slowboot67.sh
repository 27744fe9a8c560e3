#!/bin/sh
# Round 67, branch slowboot67, its quiet slot (16:30-16:48 UTC): signed boots to /init of main's jar, the same jar on
# both sides (a, b: an A/A series, the order turning every round), each boot between canaries, with perf and C2's log
# of our methods; no boot starts after 16:46:15 (DEADLINE less 15 s), then the reader (perf report of every boot).
cd /work/wt-slowboot67 || exit 1
date; uptime
pgrep -af vmckpt.jar
mkdir -p /tmp/sb67/slotperf
XDG_RUNTIME_DIR=$(mktemp -d) JITLOG=1 PERF=/tmp/sb67/slotperf DEADLINE=$(date -u -d 'today 16:46:30' +%s) \
    python3 bench/cpu/boot-series.py 300 bench/results/boot-series-round67-slowboot67.json \
    a=/tmp/mainroot67/vmckpt b=/tmp/mainroot67/vmckpt
date; uptime
python3 bench/cpu/boot-series-read.py bench/results/boot-series-round67-slowboot67.json > bench/results/boot-series-read-round67-slowboot67.txt
date; uptime
