#!/bin/bash
# Round 65, sha65's quiet slot (10:36-10:52 UTC): base = main (/tmp/mainroot65) with access groups on; wl = this branch's
# jar with access groups and word locals on (-Dvmckpt.jit.wordLocals=true; off, the jar's code is main's). Each series
# starts only if its estimate ends before the slot does, and is cut at the slot's end (timeout). The launcher order
# turns between series. micro: UnitCodeBench kernelSha (the kernel's own sha256_transform_blocks, hot tier, this
# branch's classes) with word locals off and on, interleaved.
cd /work/wt-sha65
END=$(date -u -d 'today 10:51:40' +%s)
OUT=bench/results
LOG=$OUT/slot-round65-sha65.log
BASE=base=/tmp/mainroot65/vmckpt,-Dvmckpt.jit.accessGroups=true
WL=wl=./vmckpt,"-Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.wordLocals=true"   # (threads.py: the options as one string)
WLC=wl=./vmckpt,-Dvmckpt.jit.accessGroups=true,-Dvmckpt.jit.wordLocals=true       # (compute-ab.py: comma-separated)
MAINDEF=main=/tmp/mainroot65/vmckpt
WLONLY=wlonly=./vmckpt,-Dvmckpt.jit.wordLocals=true
CP=/tmp/sha65/cls:/tmp/sha65/testcls:$HOME/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar

series() { # NAME ESTIMATE_S COMMAND...
    local name=$1 est=$2; shift 2
    local now; now=$(date -u +%s)
    if [ $((now + est)) -gt "$END" ]; then
        echo "== $name skipped at $(date -u +%T): $est s estimated, $((END - now)) s left" | tee -a $LOG
        return
    fi
    echo "== $name start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) ($((END - now)) s left)" | tee -a $LOG
    XDG_RUNTIME_DIR=$(mktemp -d) timeout $((END - now)) "$@" > $OUT/$name-round65-sha65.txt 2>&1
    echo "== $name end $(date -u +%T) rc=$? load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
}

micro() {
    for pair in 1 2 3 4; do
        for wl in false true; do
            [ $pair = 2 -o $pair = 4 ] && wl=$([ $wl = false ] && echo true || echo false)
            r=$(/tmp/sha65/ucb.sh /work/wt-sha65 -Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.wordLocals=$wl -Dtiers=hot \
                -Dwarm=2000000000 -Dmeasure=1000000000 -cp $CP org.vmckpt.machine.cpu.UnitCodeBench kernelSha 2>&1 | grep -a 'ns/insn')
            echo "pair $pair wordLocals=$wl $r load $(cut -d' ' -f1 /proc/loadavg)"
        done
    done
}

echo "slot start $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) jar commit $(git rev-parse --short HEAD)" | tee -a $LOG
pgrep -af "vmckpt.jar|surefire" >> $LOG
series micro 100 micro
series threads-S1 110 python3 bench/cpu/threads.py 8 --guest signed --launcher $BASE --launcher "$WL" \
    --json $OUT/threads-S1-round65-sha65.json
series compute-C1 170 python3 bench/cpu/compute-ab.py 4 --launcher $WLC --launcher $BASE \
    --json $OUT/compute-C1-round65-sha65.json
series threads-S2 110 python3 bench/cpu/threads.py 8 --guest signed --launcher "$WL" --launcher $BASE \
    --json $OUT/threads-S2-round65-sha65.json
series compute-C2 170 python3 bench/cpu/compute-ab.py 4 --launcher $BASE --launcher $WLC \
    --json $OUT/compute-C2-round65-sha65.json
series threads-D1 50 python3 bench/cpu/threads.py 5 --guest default --launcher "$WL" --launcher $BASE \
    --json $OUT/threads-D1-round65-sha65.json
series threads-S3 90 python3 bench/cpu/threads.py 6 --guest signed --launcher $MAINDEF --launcher $WLONLY \
    --json $OUT/threads-S3-round65-sha65.json
echo "slot done $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a $LOG
