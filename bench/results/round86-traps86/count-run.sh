#!/bin/bash
# One untimed count run (write window): GUEST (default|signed) to BENCH-DONE with LAUNCHER's extra JAVA_OPTS, with
# LogCompilation (its uncommon_trap and make_not_entrant records; JDK 17 has no deoptimization log tag), the hot log and C2's code of the hot units printed (round 85 print-gzip85.sh's way).
#   count-run.sh LAUNCHER GUEST OUTPREFIX "EXTRA"
L=$1; GU=$2; OUT=$3; EXTRA=$4
G=~/.cache/vmckpt/guest; B=~/.cache/vmckpt/bench-cpu
export XDG_RUNTIME_DIR=$(mktemp -d)
VMCKPT_JAVA_OPTS="-Dvmckpt.jit.hotLog=true -XX:+UnlockDiagnosticVMOptions -XX:+DisplayVMOutput -XX:CompileCommand=print,org.vmckpt.machine.cpu.HotUnit*::run -XX:+LogCompilation -XX:LogFile=$OUT.logc $EXTRA" \
  timeout 1200 "$L" run --kernel $G/Image --initrd $B/$GU/initramfs.cpio.gz --append "$(cat $G/cmdline)" --mem 1G --no-rng \
  --stats --cpu jit --name cnt86$GU$$ --exit-on "BENCH-DONE" > $OUT.print 2> $OUT.err
echo "exit $?" >> $OUT.err
