#!/bin/bash
# Round 75 tlb75: each part taken out (or round 74's code put back) on scratch copies, the tests run after each (seen failing?).
# Usage: bash bench/results/mutants-round75-tlb75.sh   (from the worktree; copies at /tmp/tlb75-mut, /tmp/tlb75-old)
set -u
W=$(cd "$(dirname "$0")/../.." && pwd)
M=machine/src/main/java/org/vmckpt/machine/cpu
T=machine/src/test/java/org/vmckpt/machine/cpu
run() { echo "== $1"; mvn -o -q -B test -pl whitebox,machine -Dtest="$2" -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | grep -E '^\[ERROR\]   |Tests run:' | head -14; git checkout -q -- . 2>/dev/null || true; }
rm -rf /tmp/tlb75-mut /tmp/tlb75-old && mkdir -p /tmp/tlb75-mut /tmp/tlb75-old
# 1. round 74's code (HEAD 425acdb8: the hot units' stub swap) with this round's TwoWayUnitTest, the switch on for the JVM
cd /tmp/tlb75-old && git -C "$W" archive 425acdb8 | tar -x && cp "$W/$T/TwoWayUnitTest.java" $T/
git init -q . && git add -A && git -c user.name=x -c user.email=x commit -qm base
JAVA_TOOL_OPTIONS="-Dvmckpt.mmu.twoWay=true" run "round 74's translator (hot stubs swap), switch on" TwoWayUnitTest
# 2. this round's code, the slow paths serve the second way in place (no swap: the page stays in the second way)
cd /tmp/tlb75-mut && git -C "$W" archive HEAD | tar -x
git init -q . && git add -A && git -c user.name=x -c user.email=x commit -qm base
python3 - <<'PY'
p='machine/src/main/java/org/vmckpt/machine/cpu/Mmu.java'
s=open(p).read()
a="""            swapRead(i2);
            return readArray(rPage[i2], off, size);"""
b="""            secondWayHits[ACCESS_READ]++;
            return readArray(r2Page[i2], off, size);"""
assert a in s; s=s.replace(a,b)
a="""                swapWrite(i);
                byte[] page = wPage[i];"""
b="""                secondWayHits[ACCESS_WRITE]++;
                byte[] page = w2Page[i];"""
assert a in s; s=s.replace(a,b)
open(p,'w').write(s)
PY
run "slow paths serve the second way in place (no swap)" 'TwoWayUnitTest,SecondWayTlbTest'
