#!/usr/bin/env python3
"""Round 79 (memrand79; copied unchanged by round 81 memdirty81): the slot's eager pairs from bench/restore.py's printed lines (RUN.txt; works on a run cut short):
per rep which jar went first, spawn to restored, the loading phase, MB/s of checkpoint data and of memory, stage CPU,
collector pauses, QEMU's spawn to running in the same rep; then pairs lower and medians.
    python3 pairs.py RUN.txt [...]"""
import re, statistics, sys

LINE = re.compile(r"^\s+(new|base)\s+eager rep (\d+) \(load ([\d.]+)\): pages ([\d.]+) ms, loading ([\d.]+) ms \(CPU ms: read (\d+), decode (\d+), copy (\d+), install (\d+)\) = (\d+) MB/s of memory, (\d+) MB/s of checkpoint data; restored ([\d.]+) ms in process, (\d+) ms from spawn.*?GC (\d+) pauses \(\d+ full\) (\d+) ms")
QEMU = re.compile(r"qemu restore stop-and-copy\s+rep (\d+): running after (\d+) ms, CPU user ([\d.]+) s \+ system ([\d.]+) s")
KEYS = ["load", "pages", "loading", "read", "decode", "copy", "install", "memMBps", "dataMBps", "inproc", "spawn", "gcn", "gcms"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


for path in sys.argv[1:]:
    reps, order, qemu = {}, {}, {}
    for line in open(path):
        m = LINE.match(line)
        if m:
            who, rep = m.group(1), int(m.group(2))
            reps.setdefault(rep, {})[who] = dict(zip(KEYS, map(float, m.groups()[2:])))
            order.setdefault(rep, who)
        q = QEMU.search(line)
        if q:
            qemu[int(q.group(1))] = (float(q.group(2)), float(q.group(3)) + float(q.group(4)))
    print(f"== {path}")
    print("| rep, first | spawn to restored new / base | loading new / base | MB/s of checkpoint data new / base | memory MB/s new / base "
          "| read / decode / copy CPU new; base | GC pauses new / base | QEMU spawn to running (CPU) |")
    print("|---|---|---|---|---|---|---|---|")
    pairs = []
    for rep in sorted(reps):
        r = reps[rep]
        if "new" not in r or "base" not in r:
            continue
        n, b = r["new"], r["base"]
        q = qemu.get(rep)
        pairs.append((n, b, q))
        print(f"| {rep}, {order[rep]} | {n['spawn']:.0f} / {b['spawn']:.0f} | {n['loading']:.0f} / {b['loading']:.0f} | {n['dataMBps']:.0f} / {b['dataMBps']:.0f} "
              f"| {n['memMBps']:.0f} / {b['memMBps']:.0f} | {n['read']:.0f} / {n['decode']:.0f} / {n['copy']:.0f}; {b['read']:.0f} / {b['decode']:.0f} / {b['copy']:.0f} "
              f"| {n['gcn']:.0f}, {n['gcms']:.0f} / {b['gcn']:.0f}, {b['gcms']:.0f} ms | " + (f"{q[0]:.0f} ({q[1] * 1e3:.0f}) |" if q else "– |"))
    if not pairs:
        continue
    for k, name in (("spawn", "spawn to restored"), ("loading", "loading"), ("inproc", "in process")):
        lower = sum(1 for n, b, q in pairs if n[k] < b[k])
        print(f"{name}: new lower in {lower} of {len(pairs)}; medians new {med([n[k] for n, b, q in pairs]):.0f}, base {med([b[k] for n, b, q in pairs]):.0f} ms")
    for who in ("new", "base"):
        xs = [p[0 if who == "new" else 1] for p in pairs]
        gb = sum(1 for x in xs if x["dataMBps"] >= 1000)
        fq = sum(1 for (n, b, q) in pairs if q and (n if who == "new" else b)["spawn"] < q[0])
        print(f"{who}: >= 1 GB/s of checkpoint data in {gb} of {len(xs)} (median {med([x['dataMBps'] for x in xs]):.0f} MB/s, memory {med([x['memMBps'] for x in xs]):.0f} MB/s); "
              f"faster than QEMU to running in {fq} of {sum(1 for p in pairs if p[2])}; stage CPU medians read {med([x['read'] for x in xs]):.0f}, decode {med([x['decode'] for x in xs]):.0f}, copy {med([x['copy'] for x in xs]):.0f} ms")
    qs = [p[2][0] for p in pairs if p[2]]
    if qs:
        print(f"QEMU spawn to running median {med(qs):.0f} ms")
    r0 = reps.get(0, {})
    if "new" in r0 and "base" in r0:
        print(f"first restores (rep 0, {order[0]} first): new {r0['new']['spawn']:.0f} ms ({r0['new']['dataMBps']:.0f} MB/s), "
              f"base {r0['base']['spawn']:.0f} ms ({r0['base']['dataMBps']:.0f} MB/s)" + (f", QEMU {qemu[0][0]:.0f} ms" if 0 in qemu else ""))
