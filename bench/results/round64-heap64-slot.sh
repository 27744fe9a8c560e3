#!/bin/sh
# heap64's quiet slot (07:10-07:28 UTC): first and later live checkpoints, this branch (recycling + writer tables) vs main, interleaved.
cd /work/wt-heap64
export XDG_RUNTIME_DIR=$(mktemp -d)
echo "start $(date -u +%T) $(uptime)"
python3 bench/first-checkpoint-ab.py \
  --a "heap64=/work/wt-heap64/cli/target/vmckpt.jar@-Dvmckpt.recycleFrozenPages=true -Dvmckpt.repo.reuseWriterTables=true" \
  --b "main=/tmp/mainroot64/cli/target/vmckpt.jar" \
  --rounds 20 --until 07:25 --workloads memdirty --guest default --later 5 --out /tmp/heap64/slot/out --work /tmp/heap64/slot/w
echo "end $(date -u +%T) $(uptime)"
