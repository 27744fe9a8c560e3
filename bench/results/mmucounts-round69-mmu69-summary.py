#!/usr/bin/env python3
"""Round 69 mmu69: per phase, the TLB misses (load / store / fetch, and how many of the loads were to another page's
slot) and the page walks of each bench/results/mmucounts-round69-mmu69-*.txt (bench/cpu/mmu-phases.py's tables), and its
run's C1 leaves before a miss. Untimed counts.

  python3 bench/results/mmucounts-round69-mmu69-summary.py bench/results/mmucounts-round69-mmu69-*.txt
"""
import re
import sys

SHOW = ["boot", "modules", "compute", "fork"]
for path in sys.argv[1:]:
    rows = {}
    head = None
    leaves = ""
    for line in open(path):
        t = line.split()
        if not t:
            continue
        if t[0] == "boot":
            head = t
        elif head and t[0] in ("load.misses", "store.misses", "fetch.misses", "load.slotOther", "walks.walks", "fetch.slotOther"):
            rows[t[0]] = dict(zip(head, (int(x.replace(",", "")) for x in t[1:])))
        m = re.search(r"C1 units' leaves before a miss: ([\d,]+)", line)
        if m:
            leaves = m.group(1)
    if not head:
        continue
    tag = path.split("mmu69-")[-1].replace(".txt", "")
    cells = []
    for ph in SHOW:
        if ph not in head:
            continue
        l, s, f = (rows.get(k, {}).get(ph, 0) for k in ("load.misses", "store.misses", "fetch.misses"))
        lo, w = rows.get("load.slotOther", {}).get(ph, 0), rows.get("walks.walks", {}).get(ph, 0)
        cells.append(f"{ph} {l/1e3:.0f}K/{s/1e3:.0f}K/{f/1e3:.0f}K (other {lo/1e3:.0f}K) walks {w/1e3:.0f}K")
    print(f"{tag:32} " + " | ".join(cells) + f" | C1 leaves {leaves}")
