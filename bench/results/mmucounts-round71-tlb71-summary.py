#!/usr/bin/env python3
"""Round 71 tlb71: the write window's MMU counts (mmu-phases.py outputs, untimed) by phase: misses that walked (load / store /
fetch), the second way's hits (load / store / fetch), page walks; the first way's misses are the two added.

  python3 bench/results/mmucounts-round71-tlb71-summary.py bench/results/mmucounts-round71-tlb71-default-*.txt
"""
import sys

KEYS = ["load.misses", "store.misses", "fetch.misses", "secondway.load", "secondway.store", "secondway.fetch", "walks.walks", "flushes.full"]


def read(path):
    rows, phases = {}, None
    for line in open(path):
        if line.startswith("#"):
            continue
        t = line.split()
        if not t:
            continue
        if phases is None and t[0] == "boot":
            phases = t
            continue
        if phases and len(t) == len(phases) + 1:
            rows[t[0]] = dict(zip(phases, (int(x.replace(",", "")) for x in t[1:])))
    return rows


def main():
    for phase in ("boot", "modules", "compute", "fork"):
        print(f"# {phase}: walked misses load/store/fetch | second-way hits load/store/fetch | walks | full flushes")
        for path in sys.argv[1:]:
            r = read(path)
            v = [r.get(k, {}).get(phase, 0) for k in KEYS]
            tag = path.rsplit("default-", 1)[-1].replace(".txt", "")
            print(f"{tag:18} {v[0]:>11,} {v[1]:>11,} {v[2]:>11,} | {v[3]:>11,} {v[4]:>11,} {v[5]:>9,} | {v[6]:>11,} | {v[7]:>6,}")


if __name__ == "__main__":
    main()
