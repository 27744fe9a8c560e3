#!/bin/bash
# Round 69, keep69: after the slot, every run's checkpoint stats (bench/CheckpointStats.java, the keys
# round68-pause68-slotsum.py reads) and its summary.   round69-keep69-stats.sh SLOTDIR
cd /work/wt-keep69
for D in $1/*/; do
    [ -d $D/repo ] || continue
    java -cp /tmp/mainroot69/cli/target/vmckpt.jar bench/CheckpointStats.java $D/repo time.pause.ns time.total.ns gc.pause.ns gc.pauses \
        time.freeze.cpu.ns time.freeze.records.ns time.freeze.memory.ns time.freeze.disks.ns time.freeze.balloon.ns \
        freeze.gcs freeze.allocated.bytes time.boundary.ns > $D/stats.tsv
    python3 bench/results/round68-pause68-slotsum.py $D
done
