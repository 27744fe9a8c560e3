#!/bin/bash
# phase-ab.sh's boot A/B (interleaved, one line per run) with load-independent counts beside the times: the process's
# minor page faults (/usr/bin/time), the collector's pauses (-Xlog:gc: count and summed milliseconds, full collections),
# and how long after the guest's first instruction the first translated unit was defined (-Xlog:class+load: the first
# UnitBg class after the --stats first-instruction stamp; a translator warm-up unit comes before it). Not a test.
#   bench/cpu/boot-gc-ab.sh ROUNDS GUEST MARK TAG NAME=LAUNCHER[,JAVA_OPT,...] ...
#   WORK=/tmp/ab bench/cpu/boot-gc-ab.sh 4 default BENCH-INIT d main=/tmp/mainroot15/vmckpt br=./vmckpt
set -u
rounds=$1; guest=$2; mark=$3; tag=$4; shift 4
cache=$HOME/.cache/vmckpt/bench-cpu/$guest
work=${WORK:-/tmp/vmckpt-boot-gc-ab}; mkdir -p $work
for round in $(seq 1 "$rounds"); do
  for variant in "$@"; do
    name=${variant%%=*}; rest=${variant#*=}; launcher=${rest%%,*}; opts=""
    [ "$rest" != "$launcher" ] && opts=${rest#*,} && opts=${opts//,/ }
    out=$work/$tag-$name-$round.txt
    load=$(cut -d' ' -f1 /proc/loadavg)
    rm -f $out.gc
    /usr/bin/time -f "%e %U %S %R" -o "$out.time" env VMCKPT_JAVA_OPTS="$opts -Xlog:gc:file=$out.gc:uptime -Xlog:class+load:file=$out.cl:uptime" "$launcher" run --kernel "$cache/Image" \
      --initrd "$cache/initramfs.cpio.gz" --append "$(cat "$cache/cmdline")" --mem 1G --no-rng --stats --cpu jit \
      --name "bga-$tag-$name-$$" --exit-on "$mark" </dev/null >"$out" 2>&1
    read -r wall user sys minf <"$out.time"
    run=$(grep -o "run thread CPU [0-9.]* s" "$out" | awk '{print $4}')
    start=$(grep -o "first instruction [0-9.]* s after the JVM started" "$out" | awk '{print $3}')
    marker=$(grep -o "marker after [0-9.]* s" "$out" | awk '{print $3}')
    gcn=$(grep -c 'Pause' $out.gc); gcs=$(grep -o '[0-9.]*ms' $out.gc | tr -d ms | awk '{s+=$1} END {printf "%.0f", s}')
    full=$(grep -c 'Pause Full' $out.gc)
    fu=$(awk -v s="$start" '/UnitBg/ { t=substr($1,2)+0; if (t > s) { printf "%.0f", (t-s)*1000; exit } }' $out.cl)
    rm -f $out.cl
    echo "$tag $name r$round load $load wall $wall proc $(echo "$user + $sys" | bc) run $run start $start marker $marker minflt $minf gc $gcn/${gcs}ms full $full firstunit ${fu}ms"
  done
done
