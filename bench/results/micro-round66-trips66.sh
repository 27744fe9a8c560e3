#!/bin/bash
# Round 66, trips66: UnitCodeBench kernelSha (hot tier, access groups on) with loop exit paths off and hot, interleaved
# (pairs 2 and 4 in the other order), on this branch's classes frozen in /tmp/trips66 (built 13:02 from 46d3bff6's code).
CP=/tmp/trips66/cls:/tmp/trips66/testcls:$HOME/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar
    for pair in 1 2 3 4; do
    for le in off hot; do
        [ $pair = 2 -o $pair = 4 ] && le=$([ $le = off ] && echo hot || echo off)
        r=$(java -XX:+UseParallelGC -XX:PerMethodTrapLimit=0 -XX:CompileCommand=quiet \
            -XX:CompileCommand=CompileThresholdScaling,org.vmckpt.machine.cpu.Unit*::run,0.05 \
            -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::loadSlow -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::storeSlow \
            -Xbootclasspath/a:/tmp/trips66/vmckpt-whitebox.jar -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI -XX:-DisplayVMOutput -Xss16m \
            -Dvmckpt.jit.accessGroups=true -Dvmckpt.jit.loopExits=$le -Dtiers=hot -Dwarm=1500000000 -Dmeasure=1000000000 \
            -cp $CP org.vmckpt.machine.cpu.UnitCodeBench kernelSha 2>&1 | grep -a 'ns/insn')
        echo "pair $pair loopExits=$le $r load $(cut -d' ' -f1 /proc/loadavg)"
    done
done
