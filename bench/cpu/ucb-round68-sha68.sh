#!/bin/sh
# UnitCodeBench as round 65/66 ran it (bench/cpu/ucb-round66-trips66.sh), on this worktree's classes, extra -D/-XX
# options first: $@ after -- (round 68, branch sha68: the shape shaLoop, busybox's SHA-256 round loop).
# usage: bench/cpu/ucb-round68-sha68.sh [-Dopt ...] -- [shape]
opts=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts="$opts $1"; shift; done
[ "$1" = "--" ] && shift
ASM=$(ls $HOME/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar)
WB=${WHITEBOX:-whitebox/target/vmckpt-whitebox.jar}
exec java -XX:+UseParallelGC -XX:PerMethodTrapLimit=0 -XX:CompileCommand=quiet \
  -XX:CompileCommand=CompileThresholdScaling,org.vmckpt.machine.cpu.Unit*::run,0.05 \
  -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::loadSlow -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::storeSlow \
  -Xbootclasspath/a:$WB -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI -XX:-DisplayVMOutput -Xss16m \
  $opts -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.UnitCodeBench ${@:-shaLoop}
