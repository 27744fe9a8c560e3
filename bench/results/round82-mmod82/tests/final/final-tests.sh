#!/bin/bash
# the tests window (16:32-16:42): final focused tests on the final code
cd /work/wt-mmod82
start=$(date -u -d "today 16:32:00" +%s); now=$(date +%s)
[ "$now" -lt "$start" ] && sleep $(( start - now ))
D=bench/results/round82-mmod82/tests/final
mkdir -p $D
rm -rf */target/surefire-reports
echo "defaults: start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
timeout 240 mvn -o -q -B test -pl whitebox,machine,checkpoint,cli -Dtest='PageRegsTest,BasePagesTest,AccessGroupsTest,TranslatorRegionTest' -Dsurefire.failIfNoSpecifiedTests=false > /tmp/mmod82/final1.log 2>&1
echo "mvn rc $? end $(date -u +%H:%M:%S)"
grep -h "Tests run" */target/surefire-reports/*.txt
mkdir -p $D/defaults; cp */target/surefire-reports/*.txt $D/defaults/ 2>/dev/null
rm -rf */target/surefire-reports
echo "pageRegs=4: start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
JAVA_TOOL_OPTIONS="-Dvmckpt.jit.pageRegs=4" timeout 300 mvn -o -q -B test -pl whitebox,machine,checkpoint,cli \
  -Dtest='PageRegsTest,TranslatorRegionTest,TranslatorDifferentialTest#hotTierInEveryMode+accessGroupsInEveryMode+freezeAndInPlaceRestoreUnderTheTranslator+kernelHotInEveryMode+crossPageUnitsInBothTiers' \
  -Dsurefire.failIfNoSpecifiedTests=false > /tmp/mmod82/final2.log 2>&1
echo "mvn rc $? end $(date -u +%H:%M:%S)"
grep -h "Tests run" */target/surefire-reports/*.txt
mkdir -p $D/pageRegs4; cp */target/surefire-reports/*.txt $D/pageRegs4/ 2>/dev/null
