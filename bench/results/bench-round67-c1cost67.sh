#!/bin/sh
# bench.sh CORPUS ROUNDS VARIANT... [extra JVM opts via JOPTS]: UnitCompileCostBench in its own JVM (launcher-like options)
W=/work/wt-c1cost67
C=$1; shift
exec java -Xbootclasspath/a:$W/whitebox/target/vmckpt-whitebox.jar -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI -XX:-DisplayVMOutput \
  -XX:PerMethodTrapLimit=0 -XX:+UseParallelGC -Xss16m $JOPTS \
  -cp $W/machine/target/classes:$W/machine/target/test-classes:/root/.m2/repository/org/ow2/asm/asm/9.7.1/asm-9.7.1.jar \
  org.vmckpt.machine.cpu.UnitCompileCostBench $C "$@"
