#!/bin/bash
# Round 74 tlb74: each part taken out on a scratch copy, the two tests run after each (seen failing?).
cd /tmp/tlb74-t2
M=machine/src/main/java/org/vmckpt/machine/cpu
run() { echo "== $1"; mvn -o -q -B test -pl whitebox,machine -Dtest='TwoWayUnitTest,SecondWayTlbTest' -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep -E '^\[ERROR\]   |Tests run:' | head -12; git checkout -q -- . 2>/dev/null || true; }
git init -q . && git add -A && git -c user.name=x -c user.email=x commit -qm base
# 1. the interpreter's and the fast loop's swap out (in place, as round 73)
sed -i 's/mmu.secondRead(di)/mmu.r2Page[di]/; s/mmu.secondWrite(di)/mmu.w2Page[di]/' $M/Interpreter.java $M/InterpreterFastLoop.java
run "interpreter and fast loop serve in place"
# 2. the fast loop's only
sed -i 's/mmu.secondRead(di)/mmu.r2Page[di]/; s/mmu.secondWrite(di)/mmu.w2Page[di]/' $M/InterpreterFastLoop.java
run "fast loop serves in place"
# 3. the general loop's only
sed -i 's/mmu.secondRead(di)/mmu.r2Page[di]/; s/mmu.secondWrite(di)/mmu.w2Page[di]/' $M/Interpreter.java
run "general loop serves in place"
# 4. the hot stubs' swap out
sed -i 's/        if (retry == null) return;/        if (retry == null || true) return;/' $M/Translator.java
run "hot stubs: no swap call"
