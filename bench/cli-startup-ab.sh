#!/bin/bash
# A/B start-up, BASE (another checkout, built with ./build) vs NEW (this one), interleaved, wall ms per run: a restore of a checkpoint that is not
# there (JVM start, restore's class loading and preloads, repository open, error), and `status` of no VM.
export VMCKPT_REPO=${VMCKPT_REPO:?a repository} XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
for i in $(seq 1 30); do
  for v in base new; do
    if [ $v = base ]; then L=${BASE:?set BASE to the checkout to compare against}/vmckpt; else L=${NEW:-$(cd "$(dirname "$0")/.." && pwd)}/vmckpt; fi
    s=$(date +%s%N); $L restore nothere >/dev/null 2>&1; e=$(date +%s%N); echo "$v restore $(( (e-s)/1000000 ))"
    s=$(date +%s%N); $L status novm >/dev/null 2>&1; e=$(date +%s%N); echo "$v status $(( (e-s)/1000000 ))"
  done
done
