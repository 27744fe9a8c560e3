#!/bin/bash
# A/B of the live checkpoint's capture pause between two source trees, interleaved in one run: each round runs
# checkpoint/'s FirstCheckpointMain (a fresh JVM, the bare-metal memwalk machine in 32 MiB, N live checkpoints, the
# first included) on BASE's classes, then on NEW's, and prints "tree round n freeze-cpu-ns pause-wall-ns" per
# checkpoint. Both trees must be compiled first: mvn -q -o -pl machine,checkpoint -DskipTests test-compile.
# Usage: BASE=/path/to/tree NEW=/path/to/tree bench/capture-ab.sh [ROUNDS] [CHECKPOINTS]
set -euo pipefail
rounds=${1:-5}
count=${2:-15}
m2=~/.m2/repository
root=$(cd "$(dirname "$0")/.." && pwd)
zv=$(grep -o '<zstd.version>[^<]*' "$root/pom.xml" | cut -d'>' -f2)
deps=$m2/com/github/luben/zstd-jni/$zv/zstd-jni-$zv.jar:$m2/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar:$m2/net/java/dev/jna/jna/5.17.0/jna-5.17.0.jar
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for round in $(seq "$rounds"); do
    for tree in BASE NEW; do
        dir=${!tree}
        cp=$dir/machine/target/classes:$dir/checkpoint/target/classes:$dir/checkpoint/target/test-classes:$deps
        rm -rf "$work/repo" && mkdir "$work/repo"
        (cd "$dir/checkpoint" && java -XX:+UseParallelGC -Xmn16m -XX:MaxTenuringThreshold=0 -cp "$cp" \
            org.vmckpt.checkpoint.FirstCheckpointMain "$work/repo" "$count") | awk -v t="$tree" -v r="$round" '{print t, r, NR, $1, $2}'
    done
done
