#!/usr/bin/env python3
"""A phase's guest instructions by kernel function: translated (C1 units, hot-tier C2 units) and interpreted.

Reads two profile dumps of the same guest (`-Dvmckpt.jit.profile=true -Dvmckpt.jit.profileDump=PREFIX`): START, a run
stopped at the phase's first mark, and END, a run stopped at its last mark with `-Dvmckpt.jit.profileFrom=` START's
instruction count. A unit's instructions in the phase are END's count minus START's for the same key (units dropped
before either dump are missing: the totals say how much of the phase that leaves out); interpreted instructions are
END's (counted from profileFrom on). Names each unit's entry and each interpreted block's first pc by the guest
kernel's /proc/kallsyms (a unit's key is its RAM offset: the kernel's virtual address is key + 0xffffffff7fe00000 on
these guests), then sums by function and by kind of work (patterns below). Not a test: figures for docs/BENCHMARKS.md
(round 42, jit23modules).

  python3 bench/cpu/profile-symbols.py KALLSYMS START END [--phase-insns N] [--top 40]
"""
import argparse
import bisect
import collections
import re

KERNEL_VA = 0xffffffff7fe00000

# Kinds of work, by function name (first match wins).
KINDS = [
    ("sha256", r"sha256"),
    ("ecdsa / big numbers", r"^(vli_|ecc_|xycz_|ecdsa|_ecc_|apply_z|mpi|rsa)"),
    ("other crypto", r"(sha1|sha512|crypto|akcipher|pkcs7|x509|asn1|public_key|verify_sig|sig_)"),
    ("memcpy / memset / strings", r"^(__pi_|__)?(mem|str|sized_strscpy)"),
    ("relocation / module loader", r"(reloc|uleb128|module|kallsyms|layout_|simplify_symbols|find_symbol|cmp_name|"
                                   r"elf_|load_info|bsearch|symbol)"),
    ("page tables / linear map / set_memory", r"(pte|pmd|pud|p4d|pgd|pgtable|linear_map|set_memory|walk_|"
                                             r"change_|split_|flush|tlb|vmap|vmalloc|vm_|ioremap|page_range)"),
    ("page and slab allocators", r"(page|pcp|rmqueue|alloc|free|slab|slub|kmem|kmalloc|kfree|folio|zone|buddy)"),
    ("list / locks / rcu / irq", r"(list|lock|rcu|irq|preempt|atomic|mutex|sem_|cond_resched|sched|spin)"),
    ("trap / syscall / exceptions", r"(handle_exception|ret_from|do_trap|syscall|sys_|_entry|riscv_|do_page_fault|"
                                    r"handle_mm_fault|fault)"),
]


def load_syms(path):
    addrs, names = [], []
    for line in open(path):
        parts = line.split()
        if len(parts) < 3:
            continue
        addrs.append(int(parts[0], 16))
        names.append(parts[2])
    order = sorted(range(len(addrs)), key=addrs.__getitem__)
    return [addrs[i] for i in order], [names[i] for i in order]


def name_of(va, addrs, names):
    i = bisect.bisect_right(addrs, va) - 1
    if i < 0 or va - addrs[i] > 0x10000:
        return "(outside the kernel's text: modules, vmalloc)"
    return names[i]


def kind_of(name):
    for kind, pat in KINDS:
        if re.search(pat, name):
            return kind
    return "other kernel code" if not name.startswith("(") else name


def load_dump(prefix):
    units, interp = {}, {}
    try:
        for line in open(prefix + ".units"):
            _, key, tier, runs, insns, nanos, size = line.split()[:7]
            units[int(key, 16)] = (tier, int(runs), int(insns), int(nanos), int(size))
    except FileNotFoundError:
        pass
    try:
        for line in open(prefix + ".interp"):
            _, pc, insns, blocks = line.split()
            interp[int(pc, 16)] = (int(insns), int(blocks))
    except FileNotFoundError:
        pass
    return units, interp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kallsyms")
    ap.add_argument("start", help="dump prefix of the run stopped at the phase's start")
    ap.add_argument("end", help="dump prefix of the run stopped at the phase's end (profileFrom = the start)")
    ap.add_argument("--phase-insns", type=float, default=0, help="the phase's instructions (for shares)")
    ap.add_argument("--top", type=int, default=40)
    args = ap.parse_args()
    addrs, names = load_syms(args.kallsyms)
    start_units, _ = load_dump(args.start)
    end_units, end_interp = load_dump(args.end)

    fn = collections.defaultdict(lambda: [0, 0, 0, 0.0, 0.0])  # C1 insns, C2 insns, interpreted, C1 ns, C2 ns
    for key, (tier, runs, insns, nanos, _) in end_units.items():
        s = start_units.get(key)
        d_insns = insns - (s[2] if s else 0)
        d_nanos = nanos - (s[3] if s else 0)
        if d_insns <= 0:
            continue
        row = fn[name_of(key + KERNEL_VA, addrs, names)]
        col = 1 if tier == "C2" else 0
        row[col] += d_insns
        row[3 + col] += d_nanos
    for pc, (insns, _) in end_interp.items():
        fn[name_of(pc, addrs, names)][2] += insns

    total = sum(r[0] + r[1] + r[2] for r in fn.values())
    phase = args.phase_insns or total
    c1 = sum(r[0] for r in fn.values())
    c2 = sum(r[1] for r in fn.values())
    it = sum(r[2] for r in fn.values())
    print(f"# accounted {total / 1e6:,.1f} M of the phase's {phase / 1e6:,.1f} M instructions "
          f"(C1 units {c1 / 1e6:,.1f} M, hot-tier units {c2 / 1e6:,.1f} M, interpreted {it / 1e6:,.1f} M)")

    by_kind = collections.defaultdict(lambda: [0, 0, 0, 0.0, 0.0, 0])
    for name, r in fn.items():
        k = by_kind[kind_of(name)]
        for i in range(5):
            k[i] += r[i]
        k[5] += 1
    print("\n| kind of work | functions | instructions, M | share | C1 units, M | hot tier, M | interpreted, M |"
          " profiled ns/insn C1 / C2 |")
    print("|---|---|---|---|---|---|---|---|")
    for kind, r in sorted(by_kind.items(), key=lambda kv: -(kv[1][0] + kv[1][1] + kv[1][2])):
        n = r[0] + r[1] + r[2]
        print(f"| {kind} | {r[5]} | {n / 1e6:,.1f} | {100 * n / phase:.1f}% | {r[0] / 1e6:,.1f} | {r[1] / 1e6:,.1f} | "
              f"{r[2] / 1e6:,.1f} | {r[3] / max(1, r[0]):.1f} / {r[4] / max(1, r[1]):.1f} |")

    print(f"\n| function (top {args.top}) | kind | instructions, M | C1, M | hot tier, M | interpreted, M | "
          "profiled ns/insn C1 / C2 |")
    print("|---|---|---|---|---|---|---|")
    for name, r in sorted(fn.items(), key=lambda kv: -(kv[1][0] + kv[1][1] + kv[1][2]))[:args.top]:
        n = r[0] + r[1] + r[2]
        print(f"| {name} | {kind_of(name)} | {n / 1e6:,.2f} | {r[0] / 1e6:,.2f} | {r[1] / 1e6:,.2f} | {r[2] / 1e6:,.2f} | "
              f"{r[3] / max(1, r[0]):.1f} / {r[4] / max(1, r[1]):.1f} |")

    print(f"\n| interpreted, by function (top {args.top}) | kind | interpreted, M |")
    print("|---|---|---|")
    for name, r in sorted(fn.items(), key=lambda kv: -kv[1][2])[:args.top]:
        if r[2]:
            print(f"| {name} | {kind_of(name)} | {r[2] / 1e6:,.2f} |")


if __name__ == "__main__":
    main()
