#!/bin/bash
# Round 57 (mig57alloc) benchmark series; each step logs its start/end time and load.
cd /work/wt-mig57alloc
MAIN=/tmp/mainroot56/cli/target/vmckpt.jar
NEW=/work/wt-mig57alloc/cli/target/vmckpt.jar
stamp() { echo "$(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) $*"; }
jfr() { # $1 label, $2 jar
  mkdir -p /tmp/mig57/jfr-$1
  stamp "jfr $1 start"
  XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 1 --workloads memdirty --modes postcopy --no-qemu --jar $2 \
    --java-opts="-XX:StartFlightRecording=dumponexit=true,filename=/tmp/mig57/jfr-$1/,settings=profile" \
    --work /tmp/mig57/work-jfr-$1 --results /tmp/mig57/res-jfr-$1 > /tmp/mig57/jfr-$1.txt 2>&1
  stamp "jfr $1 end"
}
case "$1" in
  jfr) jfr main $MAIN; jfr new $NEW ;;
  ab) stamp "ab start"
      XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 2 --workloads memdirty --no-qemu --gc-log --base-jar $MAIN --jar $NEW \
        --work /tmp/mig57/work-ab --results /tmp/mig57/res-ab > /tmp/mig57/ab.txt 2>&1
      stamp "ab end" ;;
  swapped) stamp "swapped start"
      XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/migrate.py --reps 1 --workloads memdirty --no-qemu --gc-log --base-jar $NEW --jar $MAIN \
        --work /tmp/mig57/work-sw --results /tmp/mig57/res-sw > /tmp/mig57/sw.txt 2>&1
      stamp "swapped end" ;;
esac
