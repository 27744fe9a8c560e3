#!/usr/bin/env python3
"""Round 84 restore84: each eager restore's own account (restore --stats' phases, from the slot's kept .err logs), by
segment, run, rep and variant (NEW = main's jar with the segment's switch, BASE = without): the stage CPU (read, decode,
copy), the loading phase, the restoring thread's items, and the switch's own marks (pages.deltas.items: deltasInBatches
took effect; pages.c1hold.items: holdC1 held as the last page went in), plus the collector's pauses (.gc). Medians per
variant. A check of what each switch did, beside bench/restore/pairs.py's tables of what it gained.

    python3 stats-round84.py OUT TAG
"""
import glob
import os
import re
import statistics
import sys

out, tag = sys.argv[1], sys.argv[2]
KEYS = ["pages.loading", "pages.read.cpu", "pages.decode.cpu", "pages.copy.cpu", "pages.references.cpu",
        "pages.deltas.items", "pages.c1hold.items", "pages.restorer.items", "pages.oldgen.window"]
rows = {"NEW": [], "BASE": []}
print(f"segment {tag}: run rep variant | " + " | ".join(KEYS) + " | restored ms in process | GC pauses")
for d in sorted(glob.glob(os.path.join(out, f"logs-{tag}-w*")), key=lambda p: int(p.rsplit("w", 1)[1])):
    n = int(d.rsplit("w", 1)[1])
    for f in sorted(glob.glob(os.path.join(d, "restore-*-eager.err"))):
        m = re.search(r"restore-\w+-(new|base)-(\d+)-eager\.err$", f)
        role, rep = m.group(1), int(m.group(2))
        variant = ("NEW" if role == "new" else "BASE") if n % 2 == 1 else ("BASE" if role == "new" else "NEW")
        text = open(f).read()
        ph = re.search(r"restore phases: (.*)", text)
        v = {}
        if ph:
            for k, x in re.findall(r"(pages[\w.]*) ([\d.]+)", ph.group(1)):
                v[k] = float(x)
        rm = re.search(r"restored \w+ in ([\d.]+) ms", text)
        gc = f[:-4] + ".gc"
        pauses = len(re.findall(r"Pause", open(gc).read())) if os.path.exists(gc) else None
        rows[variant].append(v)
        print(f"{n} {rep} {variant:4s} | " + " | ".join("-" if k not in v else f"{v[k]:.0f}" for k in KEYS)
              + f" | {rm.group(1) if rm else '-'} | {pauses}")
for variant, vs in rows.items():
    meds = []
    for k in KEYS:
        xs = [v[k] for v in vs if k in v]
        meds.append("-" if not xs else f"{statistics.median(xs):.0f} ({len(xs)})")
    print(f"median {variant}: " + " | ".join(meds))
