#!/usr/bin/env python3
"""retrest83's slot tables: the pairs of bench/restore.py's run log (new = this branch's jar, base = main's), by rep.
    pairs.py RUN.txt [RUN.txt ...]"""
import re, statistics, sys

EAGER = re.compile(r"^\s+(new|base)\s+eager rep (\d+) \(load ([\d.]+)\): .*restored ([\d.]+) ms in process, (\d+) ms from spawn; continued=(\w+); first heartbeat ([\d.]+) ms later \((\d+) ms from spawn\)")
LAZY = re.compile(r"^\s+(new|base)\s+lazy\s+rep (\d+) \(load ([\d.]+)\): running after (\d+) ms; first heartbeat ([\d.]+) ms later; max gap in 3 s ([\d.]+) ms")

for path in sys.argv[1:]:
    eager, lazy, order = {}, {}, {}
    for line in open(path):
        m = EAGER.match(line)
        if m:
            who, rep = m.group(1), int(m.group(2))
            eager.setdefault(rep, {})[who] = (float(m.group(4)), int(m.group(5)), int(m.group(8)), m.group(6), float(m.group(3)))
            order.setdefault(("e", rep), who)
        m = LAZY.match(line)
        if m:
            who, rep = m.group(1), int(m.group(2))
            lazy.setdefault(rep, {})[who] = (int(m.group(4)), float(m.group(5)), float(m.group(6)), float(m.group(3)))
            order.setdefault(("l", rep), who)
    print(f"## {path}\n")
    print("| eager rep, first | in process new / base (ms) | spawn to restored new / base | spawn to first heartbeat new / base | continued | load |")
    print("|---|---|---|---|---|---|")
    low = [0, 0, 0]; n = 0; cols = ([], [], [], [], [], [])
    for rep in sorted(eager):
        p = eager[rep]
        if "new" not in p or "base" not in p: continue
        a, b = p["new"], p["base"]; n += 1
        for k in range(3):
            if a[k] < b[k]: low[k] += 1
            cols[2 * k].append(a[k]); cols[2 * k + 1].append(b[k])
        print(f"| {rep}, {order[('e', rep)]} | {a[0]:.0f} / {b[0]:.0f} | {a[1]} / {b[1]} | {a[2]} / {b[2]} | {a[3]} / {b[3]} | {a[4]} |")
    if n:
        med = [statistics.median(c) for c in cols]
        print(f"\neager: new lower in {low[0]} / {low[1]} / {low[2]} of {n} pairs (in process / spawn to restored / first heartbeat); "
              f"medians new/base {med[0]:.0f}/{med[1]:.0f}, {med[2]:.0f}/{med[3]:.0f}, {med[4]:.0f}/{med[5]:.0f} ms\n")
    print("| lazy rep, first | running after new / base (ms) | first heartbeat after new / base | max gap in 3 s new / base | load |")
    print("|---|---|---|---|---|")
    low = [0, 0, 0]; n = 0; cols = ([], [], [], [], [], [])
    for rep in sorted(lazy):
        p = lazy[rep]
        if "new" not in p or "base" not in p: continue
        a, b = p["new"], p["base"]; n += 1
        for k in range(3):
            if a[k] < b[k]: low[k] += 1
            cols[2 * k].append(a[k]); cols[2 * k + 1].append(b[k])
        print(f"| {rep}, {order[('l', rep)]} | {a[0]} / {b[0]} | {a[1]:.0f} / {b[1]:.0f} | {a[2]:.0f} / {b[2]:.0f} | {a[3]} |")
    if n:
        med = [statistics.median(c) for c in cols]
        print(f"\nlazy: new lower in {low[0]} / {low[1]} / {low[2]} of {n} pairs (running after / first heartbeat / max gap); "
              f"medians new/base {med[0]:.0f}/{med[1]:.0f}, {med[2]:.0f}/{med[3]:.0f}, {med[4]:.0f}/{med[5]:.0f} ms\n")
