#!/usr/bin/env python3
"""A phase's interpreted instructions by reason and by guest function (round 66).

Reads PREFIX.interpwhy (`-Dvmckpt.jit.profile=true -Dvmckpt.jit.profileDump=PREFIX`, with `-Dvmckpt.jit.profileFrom=N`
for one phase): "why PC REASON INSNS BLOCKS" per interpreted block's first pc and reason (TranslationProfile.R_*), and
names each pc by the guest kernel's /proc/kallsyms (module code in vmalloc space is "(outside the kernel's text)").
Prints per reason: instructions, first pcs, the split by how often blocks began at a pc, and the top functions. Not a
test: figures for docs/BENCHMARKS.md.

  python3 bench/cpu/interp-why.py KALLSYMS PREFIX [--top 15]
"""
import argparse
import bisect
import collections

REASONS = ["pc not in fetch TLB", "unit being built", "untranslatable", "not compiled yet", "entry block > budget",
           "page without translations", "code page, outside units", "inside a live unit (not its entry)",
           "inside a unit an invalidation dropped", "inside a live unit, after a call"]


def load_syms(path):
    rows = []
    for line in open(path):
        p = line.split()
        if len(p) >= 3:
            rows.append((int(p[0], 16), p[2]))
    rows.sort()
    return [a for a, _ in rows], [n for _, n in rows]


def name_of(va, addrs, names):
    i = bisect.bisect_right(addrs, va) - 1
    if i < 0 or va - addrs[i] > 0x10000:
        return "(outside the kernel's text: modules, vmalloc)"
    return names[i]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kallsyms")
    ap.add_argument("prefix")
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args()
    addrs, names = load_syms(a.kallsyms)
    by = collections.defaultdict(list)  # reason -> [(pc, insns, blocks)]
    for line in open(a.prefix + ".interpwhy"):
        _, pc, r, i, b = line.split()
        by[int(r)].append((int(pc, 16), int(i), int(b)))
    total = sum(i for rows in by.values() for _, i, _ in rows)
    print(f"# {a.prefix}: {total / 1e6:,.2f} M interpreted instructions")
    for r in sorted(by, key=lambda r: -sum(i for _, i, _ in by[r])):
        rows = by[r]
        n = sum(i for _, i, _ in rows)
        split = [0, 0, 0, 0]
        for _, i, b in rows:
            split[0 if b < 16 else 1 if b < 256 else 2 if b < 4096 else 3] += i
        print(f"\n## {REASONS[r]}: {n / 1e6:,.2f} M ({100 * n / total:.1f}%), {len(rows):,} first pcs; "
              f"by blocks begun at a pc 1-15 {split[0] / 1e6:.2f} M, 16-255 {split[1] / 1e6:.2f} M, "
              f"256-4,095 {split[2] / 1e6:.2f} M, >= 4,096 {split[3] / 1e6:.2f} M")
        fn = collections.defaultdict(lambda: [0, 0, 0])
        for pc, i, b in rows:
            f = fn[name_of(pc, addrs, names)]
            f[0] += i
            f[1] += b
            f[2] += 1
        print("| function | interpreted, M | blocks | first pcs | insns per block |")
        print("|---|---|---|---|---|")
        for name, (i, b, p) in sorted(fn.items(), key=lambda kv: -kv[1][0])[:a.top]:
            print(f"| {name} | {i / 1e6:.2f} | {b:,} | {p} | {i / max(1, b):.0f} |")


if __name__ == "__main__":
    main()
