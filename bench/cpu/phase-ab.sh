#!/bin/bash
# A/B of vmckpt builds on one phase of the CPU benchmark's guests (bench/cpu/build-guests.sh), interleaved:
# each round runs every variant once, in turn, from spawn to a console mark, and prints one line per run:
# wall seconds, the process's CPU (user + system: the guest's thread, C1, C2, GC, the translator thread),
# the run thread's CPU and the translated share (from --stats), units built, the load average at the start, and (where
# the launcher's --stats says it) the JVM's start to the guest's first instruction.
#
#   bench/cpu/phase-ab.sh ROUNDS GUEST MARK TAG NAME=LAUNCHER[,JAVA_OPT,...] ...
#   bench/cpu/phase-ab.sh 4 signed "BENCH-MARK modules-end" s main=/tmp/main/vmckpt branch=./vmckpt
#   bench/cpu/phase-ab.sh 4 default BENCH-INIT d main=/tmp/main/vmckpt off=./vmckpt,-Dvmckpt.jit.stopAtEntry=false
#   COUNTS=1 bench/cpu/phase-ab.sh 4 default BENCH-INIT d main=/tmp/main/vmckpt br=./vmckpt   # + faults, GC, first unit
#
# A launcher is a checkout's ./vmckpt (or a copy of it next to cli/target/vmckpt.jar and a class data sharing
# archive made after the copy: java -XX:ArchiveClassesAtExit=cli/target/vmckpt.jsa -jar cli/target/vmckpt.jar cds-train).
# Console logs go to ${WORK:-/tmp/vmckpt-phase-ab}. Not a test: figures for docs/BENCHMARKS.md.
set -u
rounds=$1; guest=$2; mark=$3; tag=$4; shift 4
cache=${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/bench-cpu/$guest
work=${WORK:-/tmp/vmckpt-phase-ab}
mkdir -p "$work"
[ -f "$cache/Image" ] || { echo "phase-ab: no $cache/Image; run bench/cpu/build-guests.sh first" >&2; exit 2; }
for round in $(seq 1 "$rounds"); do
    for variant in "$@"; do
        name=${variant%%=*}; rest=${variant#*=}; launcher=${rest%%,*}; opts=""
        [ "$rest" != "$launcher" ] && opts=${rest#*,} && opts=${opts//,/ }
        out=$work/$tag-$name-$round.txt
        load=$(cut -d' ' -f1 /proc/loadavg)
        # COUNTS=1: load-independent counts beside the times (minor page faults, the collector's pauses from -Xlog:gc,
        # and how long after the first instruction the first translated unit was defined, from -Xlog:class+load).
        [ "${COUNTS:-0}" = 1 ] && rm -f "$out.gc" && opts="$opts -Xlog:gc:file=$out.gc:uptime -Xlog:class+load:file=$out.cl:uptime"
        /usr/bin/time -f "%e %U %S %R" -o "$out.time" env VMCKPT_JAVA_OPTS="$opts" "$launcher" run --kernel "$cache/Image" \
            --initrd "$cache/initramfs.cpio.gz" --append "$(cat "$cache/cmdline")" --mem 1G --no-rng --stats --cpu jit \
            --name "phase-ab-$tag-$name-$$" --exit-on "$mark" </dev/null >"$out" 2>&1
        read -r wall user sys minf <"$out.time"
        run=$(grep -o "run thread CPU [0-9.]* s" "$out" | awk '{print $4}')
        start=$(grep -o "first instruction [0-9.]* s after the JVM started" "$out" | awk '{print $3}')
        translated=$(grep -o "translator: [0-9.]*%" "$out" | awk '{print $2}')
        units=$(grep -o "[0-9,]* units built" "$out" | awk '{print $1}')
        counts=""
        if [ "${COUNTS:-0}" = 1 ]; then
            gcn=$(grep -c 'Pause' "$out.gc"); gcs=$(grep -o '[0-9.]*ms' "$out.gc" | tr -d ms | awk '{s+=$1} END {printf "%.0f", s}')
            full=$(grep -c 'Pause Full' "$out.gc")
            fu=$(awk -v s="$start" '/UnitBg/ { t=substr($1,2)+0; if (t > s) { printf "%.0f", (t-s)*1000; exit } }' "$out.cl")
            rm -f "$out.cl"
            counts=" minflt $minf gc $gcn/${gcs}ms full $full firstunit ${fu}ms"
        fi
        echo "$tag $name round $round load $load wall $wall process-cpu $(echo "$user + $sys" | bc) run-thread-cpu $run translated $translated units $units${start:+ start $start}$counts"
    done
done
