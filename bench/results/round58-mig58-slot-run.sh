#!/bin/bash
# Round 58, branch mig58, the slot 14:14-14:34: controlled load (4 spinners in a session of their own), interleaved A/B
# pairs of one jar with an option off (vmckpt-base) and on (vmckpt). Each series in its own session (setsid by the caller).
cd /work/wt-mig58
J=cli/target/vmckpt.jar
common="--workloads memdirty --modes postcopy,precopy --no-qemu --gc-log --busy 4 --busy-session other --sched --base-jar $J --jar $J"
date -u +%H:%M:%S > /tmp/mig58-slot/A.start; cat /proc/loadavg >> /tmp/mig58-slot/A.start
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 2 $common --java-opts=-Dvmckpt.migration.sessionNice=-5 \
    --results /tmp/mig58-slot/A --work /tmp/mig58-slot-work > /tmp/mig58-slot/A.txt 2>&1
date -u +%H:%M:%S > /tmp/mig58-slot/B.start; cat /proc/loadavg >> /tmp/mig58-slot/B.start
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 1 $common --java-opts=-Dvmckpt.migration.guestSliceMicros=100 \
    --results /tmp/mig58-slot/B --work /tmp/mig58-slot-work > /tmp/mig58-slot/B.txt 2>&1
date -u +%H:%M:%S > /tmp/mig58-slot/done
