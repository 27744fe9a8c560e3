#!/bin/bash
# Round 59, branch mig59, the slot 17:20-17:35 UTC: vmckpt (pre-copy, post-copy) and QEMU (pre-copy) in the same run,
# memdirty, TLS, under mig58's controlled load (4 spinners at nice 0 in a session of their own, 3 s before each migration
# to the end of its heartbeat window, QEMU's as vmckpt's). Started in a session of its own (setsid by the caller).
cd /work/wt-mig59
J=cli/target/vmckpt.jar
{ date -u +%H:%M:%S; cat /proc/loadavg; git rev-parse --short HEAD; } > /tmp/mig59-slot/start
XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 8 --workloads memdirty --modes precopy,postcopy --tls yes \
    --gc-log --busy 4 --busy-session other --stop-at 17:33:15 --jar $J \
    --results /tmp/mig59-slot/res --work /tmp/mig59-slot-work > /tmp/mig59-slot/out.txt 2>&1
{ date -u +%H:%M:%S; cat /proc/loadavg; } > /tmp/mig59-slot/done
