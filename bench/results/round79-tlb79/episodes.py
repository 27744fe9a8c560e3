#!/usr/bin/env python3
"""Round 79 tlb79: per mmu-phases.py table (one run each), the walks and second-way swaps by phase and whether the run
drew a conflict episode (a phase with over 1 M walks, or over 1 M swaps: an episode the second way served).

  python3 bench/results/round79-tlb79/episodes.py counts/runs/*.txt
"""
import sys


def row(path):
    t = {}
    head = None
    for line in open(path):
        if line.startswith("#"):
            continue
        f = line.split()
        if not f:
            continue
        if head is None:
            head = f
            continue
        t[f[0]] = [int(x.replace(",", "")) for x in f[1:]]
    return head, t


for p in sys.argv[1:]:
    head, t = row(p)
    if not head:
        print(p, "no table")
        continue
    w = t["walks.walks"]
    sw = [a + b for a, b in zip(t["secondway.load"], t["secondway.store"])]
    slots = t.get("conflict.slots", [0] * len(w))
    ep = [h for h, a, b in zip(head, w, sw) if a > 1_000_000 or b > 1_000_000]
    print(f"{p.split('/')[-1]:<16} walks {sum(w):>11,}  swaps {sum(sw):>11,}  slots {sum(slots):>4}  "
          f"episode: {', '.join(f'{h} (walks {a:,}, swaps {b:,})' for h, a, b in zip(head, w, sw) if h in ep) or '-'}")
