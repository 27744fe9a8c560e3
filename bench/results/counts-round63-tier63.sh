#!/bin/sh
# count.sh TAG MARK ROUNDS : untimed counts of hot builds left without code, 4 configurations interleaved
TAG=$1; MARK=$2; N=$3
for i in $(seq 1 $N); do
  for cfg in base ml rq rqml; do
    case $cfg in
      base) L=/tmp/mainroot63/vmckpt; O="";;
      ml) L=/tmp/mainroot63/vmckpt; O="-Dvmckpt.jit.missLeaves=true";;
      rq) L=/work/wt-tier63/vmckpt; O="-Dvmckpt.jit.hotRequeue=true";;
      rqml) L=/work/wt-tier63/vmckpt; O="-Dvmckpt.jit.hotRequeue=true -Dvmckpt.jit.missLeaves=true";;
    esac
    ./boot.sh $L "$MARK" /tmp/t63/c-$TAG-$cfg-$i $O -Dvmckpt.jit.hotLog=true >/dev/null
    s=$(grep 'hot tier (C2)' /tmp/t63/c-$TAG-$cfg-$i.err | sed 's/.*hot tier (C2): //' | cut -d, -f1-4)
    rq=$(grep -c 'queued through the API), ' /tmp/t63/c-$TAG-$cfg-$i.err)
    echo "$TAG $cfg $i: $s; nocode=$(python3 -c "
import sys; sys.path.insert(0,'/work/wt-tier63/bench/cpu'); from hotstats import no_code
print([no_code(l) for l in open('/tmp/t63/c-$TAG-$cfg-$i.err') if 'hot tier (C2)' in l])"); stillwaiting365812=$(grep -c 'built key 365812' /tmp/t63/c-$TAG-$cfg-$i.err)/$(grep -c 'installed key 365812' /tmp/t63/c-$TAG-$cfg-$i.err)"
  done
done
