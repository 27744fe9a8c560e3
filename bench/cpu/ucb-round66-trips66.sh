#!/bin/sh
# UnitCodeBench kernelSha as round 65 ran it (BENCHMARKS round 65, branch sha65), extra -D options first: $@ after --
# usage: bench/cpu/ucb-round66-trips66.sh [-Dopt ...] -- [shape]
opts=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do opts="$opts $1"; shift; done
[ "$1" = "--" ] && shift
ASM=$HOME/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar
exec java -XX:+UseParallelGC -XX:PerMethodTrapLimit=0 -XX:CompileCommand=quiet \
  -XX:CompileCommand=CompileThresholdScaling,org.vmckpt.machine.cpu.Unit*::run,0.05 \
  -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::loadSlow -XX:CompileCommand=dontinline,org.vmckpt.machine.cpu.Mmu::storeSlow \
  -Xbootclasspath/a:whitebox/target/vmckpt-whitebox.jar -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI -XX:-DisplayVMOutput -Xss16m \
  $opts -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.UnitCodeBench ${@:-kernelSha}
