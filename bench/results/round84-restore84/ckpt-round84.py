#!/usr/bin/env python3
"""Round 84 restore84: the live checkpoints' side of a switch that acts where the checkpoint is written
(rawSeqPerKiB, `--checkpoint-with each`): per run, each variant's VM's first and later live checkpoint (pause, the
guest's stall = longest heartbeat gap minus the period) and its checkpoint's size, from bench/restore.py's output.
With --checkpoint-with each the run's --jar boots first ("new" in restore.py's words): NEW's in odd runs of
bench/restore/ab-slot.sh, BASE's in even ones.

    python3 ckpt-round84.py OUT TAG
"""
import glob
import os
import re
import statistics
import sys

out, tag = sys.argv[1], sys.argv[2]
acc = {"NEW": [], "BASE": []}
print(f"segment {tag}: run variant | first checkpoint pause / stall ms | later pause / stall ms | checkpoint MB")
for f in sorted(glob.glob(os.path.join(out, f"restore-{tag}-*-run*.txt")), key=lambda p: int(re.search(r"run(\d+)", p).group(1))):
    n = int(re.search(r"run(\d+)\.txt$", f).group(1))
    text = open(f).read()
    firsts = re.findall(r"first live checkpoint: .*?pause ([\d.]+) ms .*?stall ([\d.]+|None) ms", text)
    laters = re.findall(r"later \(median of \d+\): pause ([\d.]+) ms .*?stall ([\d.]+|None) ms", text)
    sizes = {m.group(1): float(m.group(2)) for m in re.finditer(r"^  (new|base): checkpoint ([\d.]+) MB", text, re.M)}
    order = ["NEW", "BASE"] if n % 2 == 1 else ["BASE", "NEW"]
    roles = {"NEW": "new" if n % 2 == 1 else "base", "BASE": "base" if n % 2 == 1 else "new"}
    for k, variant in enumerate(order):
        if k >= len(firsts):
            continue
        fp, fs = firsts[k]
        lp, ls = laters[k] if k < len(laters) else ("-", "-")
        size = sizes.get(roles[variant])
        acc[variant].append((float(fp), None if fs == "None" else float(fs), None if lp == "-" else float(lp),
                             None if ls in ("-", "None") else float(ls), size))
        print(f"{n} {variant:4s} | {float(fp):.2f} / {fs if fs == 'None' else f'{float(fs):.1f}'} | {lp} / {ls if ls in ('-', 'None') else f'{float(ls):.1f}'} | {size}")
for variant, rows in acc.items():
    cols = list(zip(*rows)) if rows else []
    meds = [f"{statistics.median([x for x in c if x is not None]):.2f}" if any(x is not None for x in c) else "-" for c in cols]
    print(f"median {variant} ({len(rows)} VMs): first pause {meds[0] if meds else '-'}, stall {meds[1] if meds else '-'}; "
          f"later pause {meds[2] if meds else '-'}, stall {meds[3] if meds else '-'}; checkpoint MB {meds[4] if meds else '-'}")
