#!/bin/bash
# ci78: TranslatorDifferentialTest subset (hotTierInEveryMode, jalrSecondWayInEveryMode, accessGroupsInEveryMode: 36 programs)
# with -Dvmckpt.diff.threads=1 and =2, order 1,2,2,1; surefire's per-class time. Write window: under the others' load.
cd /work/wt-ci78
for t in 1 2 2 1; do
  rm -rf */target/surefire-reports
  s=$(date +%T); l=$(cut -d' ' -f1 /proc/loadavg)
  JAVA_TOOL_OPTIONS="-Dvmckpt.diff.threads=$t" mvn -o -q -B test -pl whitebox,machine,checkpoint,cli \
    -Dtest='TranslatorDifferentialTest#hotTierInEveryMode+jalrSecondWayInEveryMode+accessGroupsInEveryMode' \
    -Dsurefire.failIfNoSpecifiedTests=false > /tmp/ci78-ab-$t-$s.log 2>&1
  r=$(grep -h 'Tests run' machine/target/surefire-reports/*.txt | sed -E 's/.*Failures: ([0-9]+).*Time elapsed: ([0-9.]+) s.*/failures \1 time \2 s/')
  echo "threads=$t start=$s load=$l $r"
done
