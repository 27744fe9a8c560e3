#!/bin/bash
# write-window counts (untimed): mmu-phases.py per run
cd /work/wt-tlb71
for spec in "victim-a|-Dvmckpt.mmu.victim=true" "off-a|" "victim-b|-Dvmckpt.mmu.victim=true" "asid16-victim-a|-Dvmckpt.mmu.asids=16 -Dvmckpt.mmu.victim=true" "asid16-a|-Dvmckpt.mmu.asids=16" "victim-c|-Dvmckpt.mmu.victim=true" "off-b|" "asid16-victim-b|-Dvmckpt.mmu.asids=16 -Dvmckpt.mmu.victim=true"; do
  tag=${spec%%|*}; opts=${spec#*|}
  echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) start $tag opts '$opts'"
  if [ -n "$opts" ]; then L="m=./vmckpt,$opts"; else L="m=./vmckpt"; fi
  XDG_RUNTIME_DIR=$(mktemp -d) python3 bench/cpu/mmu-phases.py --guest default --launcher "$L" /tmp/tlb71/mmu-$tag.log > bench/results/mmucounts-round71-tlb71-default-$tag.txt 2>/tmp/tlb71/mmu-$tag.err
  echo "# $(date -u +%H:%M:%S) end $tag exit $?"
  if [ -f /tmp/tlb71/stop ]; then break; fi
done
#!/bin/bash
cd /work/wt-tlb71
for spec in "victim16-a|-Dvmckpt.mmu.victim=true -Dvmckpt.mmu.victimSwapAfter=16" "victim16-b|-Dvmckpt.mmu.victim=true -Dvmckpt.mmu.victimSwapAfter=16" "victim-d|-Dvmckpt.mmu.victim=true" "victim16-c|-Dvmckpt.mmu.victim=true -Dvmckpt.mmu.victimSwapAfter=16" "off-c|" "victim16-d|-Dvmckpt.mmu.victim=true -Dvmckpt.mmu.victimSwapAfter=16"; do
  tag=${spec%%|*}; opts=${spec#*|}
  if [ $(date +%s) -gt $(date -u -d 'today 05:03:30' +%s) ]; then echo "# stop: time"; break; fi
  echo "# $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg) start $tag opts '$opts'"
  if [ -n "$opts" ]; then L="m=./vmckpt,$opts"; else L="m=./vmckpt"; fi
  XDG_RUNTIME_DIR=$(mktemp -d) timeout 300 python3 bench/cpu/mmu-phases.py --guest default --launcher "$L" /tmp/tlb71/mmu-$tag.log > bench/results/mmucounts-round71-tlb71-default-$tag.txt 2>/tmp/tlb71/mmu-$tag.err
  echo "# $(date -u +%H:%M:%S) end $tag exit $?"
done
