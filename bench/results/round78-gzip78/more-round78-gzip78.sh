#!/bin/bash
# More untimed runs of main's jar with MmuCounts until 03:46:30 (one run ~35-45 s): the episodes' rate and place.
cd /tmp/gzip78
dl=$(date -u -d "today 03:46:30" +%s)
while [ $(( $(date +%s) + 45 )) -lt $dl ]; do
  timeout 80 python3 rep.py /tmp/mainroot78/vmckpt mmu 1 "-Dvmckpt.mmu.missCounts=true -Dvmckpt.mmu.conflictPairs=true" >> /tmp/gzip78/mmu.out 2>&1
done
echo more-done >> /tmp/gzip78/mmu.out
