#!/bin/bash
# Round 68, pause68: after the slot, every run's checkpoint stats (bench/CheckpointStats.java, the keys
# round68-pause68-slotsum.py reads) and its summary.   round68-pause68-stats.sh SLOTDIR
cd /work/wt-pause68
for D in $1/*/; do
    [ -d $D/repo ] || continue
    java -cp cli/target/vmckpt.jar bench/CheckpointStats.java $D/repo time.pause.ns time.total.ns gc.pause.ns gc.pauses \
        time.freeze.cpu.ns time.freeze.records.ns time.freeze.memory.ns time.freeze.disks.ns time.freeze.balloon.ns \
        freeze.gcs freeze.allocated.bytes time.boundary.ns > $D/stats.tsv
    python3 bench/results/round68-pause68-slotsum.py $D
done
