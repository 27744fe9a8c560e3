#!/bin/bash
# digest.sh NAME: the emitted classes of the corpus (/tmp/retemit84/corpus-{default,signed}.bin, recorded with main's
# build) generated again with this worktree's classes (EmittedClassDigests), compared with main's (digests-main.txt).
# digest.sh main: main's own digests (/tmp/mainroot84's classes).
set -e
ASM=/root/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar
TOOL=/work/wt-retemit84/machine/src/test/java/org/vmckpt/machine/cpu/EmittedClassDigests.java
cd /tmp/retemit84
if [ "$1" = main ]; then CLS=/tmp/mainroot84/machine/target/classes; else CLS=/work/wt-retemit84/machine/target/classes; fi
rm -rf tool-$1; mkdir -p tool-$1
javac -d tool-$1 -cp $CLS:$ASM $TOOL
java -cp tool-$1:$CLS:$ASM org.vmckpt.machine.cpu.EmittedClassDigests corpus-default.bin corpus-signed.bin > digests-$1.txt
tail -1 digests-$1.txt
[ "$1" = main ] && exit 0
cmp digests-main.txt digests-$1.txt && echo "$1: EVERY DIGEST EQUAL" || { echo "$1: DIFFERENT ($(diff digests-main.txt digests-$1.txt | grep -c '^>') lines)"; diff digests-main.txt digests-$1.txt | head -6; }
