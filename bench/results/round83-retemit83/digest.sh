#!/bin/bash
# digest.sh NAME: the emitted classes of the corpus with this worktree's classes, compared with main's.
set -e
ASM=/root/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar
cd /tmp/retemit83
mkdir -p mine-tool
javac -d mine-tool -cp /work/wt-retemit83/machine/target/classes:$ASM /work/wt-retemit83/machine/src/test/java/org/vmckpt/machine/cpu/EmittedClassDigests.java
java -cp mine-tool:/work/wt-retemit83/machine/target/classes:$ASM org.vmckpt.machine.cpu.EmittedClassDigests corpus-default.bin corpus-signed.bin > digests-$1.txt
tail -1 digests-main-1.txt; tail -1 digests-$1.txt
cmp digests-main-1.txt digests-$1.txt && echo "$1: EVERY DIGEST EQUAL" || { echo "$1: DIFFERENT"; diff digests-main-1.txt digests-$1.txt | head; }
