#!/usr/bin/env python3
"""A phase's translated guest instructions by user-space address: units of a profile dump found in a guest binary.

  python3 bench/cpu/profile-user.py BINARY START END [--base 0x10000] [--top 40] [--phase-insns N]

START and END are profile dumps (`-Dvmckpt.jit.profile=true -Dvmckpt.jit.profileDump=PREFIX`) of runs stopped at the
phase's first and last mark, as for bench/cpu/profile-symbols.py. A unit's key is a RAM offset, which says nothing of
a user-space virtual address; the dump also writes each unit's first code bytes (up to 32), and this script looks them
up in BINARY (a static ELF whose first LOAD segment maps file offset 0 at --base): a unit whose bytes occur once in the
file gets that address. Prints the phase's units by instructions, with tier, runs, instructions per run, profiled ns
per instruction and the address (or "?" when the bytes occur 0 or several times). Not a test: figures for
docs/BENCHMARKS.md (round 44, jit24gzip: busybox is stripped, so the addresses are named by hand from its disassembly).
"""
import argparse


def load(prefix):
    units = {}
    for line in open(prefix + ".units"):
        f = line.split()
        units[int(f[1], 16)] = (f[2], int(f[3]), int(f[4]), int(f[5]), int(f[6]), f[7] if len(f) > 7 else "")
    return units


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("start")
    ap.add_argument("end")
    ap.add_argument("--base", type=lambda s: int(s, 0), default=0x10000)
    ap.add_argument("--top", type=int, default=40)
    ap.add_argument("--phase-insns", type=int, default=0)
    a = ap.parse_args()
    image = open(a.binary, "rb").read()
    s, e = load(a.start), load(a.end)
    rows = []
    for key, (tier, runs, insns, nanos, size, code) in e.items():
        p = s.get(key)
        if p is not None and p[0] == tier and p[4] == size:
            runs, insns, nanos = runs - p[1], insns - p[2], nanos - p[3]
        if insns <= 0:
            continue
        addr = "?"
        if len(code) >= 16:
            b = bytes.fromhex(code)
            i = image.find(b)
            if i >= 0 and image.find(b, i + 1) < 0:
                addr = "%x" % (i + a.base)
        rows.append((insns, runs, nanos, tier, size, key, addr))
    rows.sort(reverse=True)
    total = sum(r[0] for r in rows)
    named = sum(r[0] for r in rows if r[6] != "?")
    by_tier = {}
    for r in rows:
        by_tier[r[3]] = by_tier.get(r[3], 0) + r[0]
    print(f"units' instructions in the phase: {total:,} ({named:,} at a unique address in the binary); by tier: "
          + ", ".join(f"{k} {v:,}" for k, v in sorted(by_tier.items()))
          + (f"; phase {a.phase_insns:,}" if a.phase_insns else ""))
    print("| instructions, M | share | tier | runs, M | insns/run | ns/insn (profiled) | unit size | key | address |")
    print("|---|---|---|---|---|---|---|---|---|")
    for insns, runs, nanos, tier, size, key, addr in rows[:a.top]:
        print(f"| {insns / 1e6:,.1f} | {100 * insns / total:.1f}% | {tier} | {runs / 1e6:,.2f} | {insns / max(1, runs):.1f} | "
              f"{nanos / max(1, insns):.2f} | {size} | {key:x} | {addr} |")


if __name__ == "__main__":
    main()
