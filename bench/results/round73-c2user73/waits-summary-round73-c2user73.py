#!/usr/bin/env python3
"""Round 73 (c2user73): per phase of a stamped hot log (hotc2-count-round73-c2user73.py's .log), the hot-tier builds
decided, installed, and for those asked for C2 at once the wait for their turn (decided to queued for C2: another
build's C2 task pending, or its unit not looked at) and for C2's code (queued to installed), in wall seconds and in
the hart's M instructions. Counts from a loaded host: the seconds are for their order only."""
import re
import statistics
import sys

for f in sys.argv[1:]:
    marks, ev = [], {}
    for line in open(f):
        t = float(line.split()[0])
        if " out " in line and ("BENCH-MARK" in line or "BENCH-INIT" in line):
            marks.append((t, line.split("| ")[1].split()[1] if "BENCH-MARK" in line else "init"))
        m = re.search(r"vmckpt-hot (decided|queued for C2|installed)\b.*?key (\w+) at ([\d.]+)(?: priv \d)? M", line)
        if m:
            ev.setdefault(m.group(2), {}).setdefault(m.group(1), (t, float(m.group(3))))
            if m.group(1) == "decided":
                p = re.search(r"hart priv (\d)", line) or re.search(r"at [\d.]+ priv (\d) M", line)  # (the first runs' form)
                ev[m.group(2)]["priv"] = p.group(1) if p else "?"
    names = ["boot"] + [n for _, n in marks]

    def phase(t):
        i = 0
        while i < len(marks) and marks[i][0] <= t:
            i += 1
        return names[i]
    per = {}
    for k, e in ev.items():
        if "decided" not in e:
            continue
        ph = phase(e["decided"][0])
        row = per.setdefault(ph, {"dec": 0, "inst": 0, "priv": {}, "turn": [], "c2": [], "turnM": [], "c2M": [], "nocode": 0})
        row["dec"] += 1
        row["priv"][e["priv"]] = row["priv"].get(e["priv"], 0) + 1
        if "installed" in e:
            row["inst"] += 1
        if "queued for C2" in e:
            row["turn"].append(e["queued for C2"][0] - e["decided"][0])
            row["turnM"].append(e["queued for C2"][1] - e["decided"][1])
            if "installed" in e:
                row["c2"].append(e["installed"][0] - e["queued for C2"][0])
                row["c2M"].append(e["installed"][1] - e["queued for C2"][1])
            else:
                row["nocode"] += 1
    print(f)
    print("  marks: " + " ".join(f"{n}@{t:.2f}" for t, n in marks))
    print("  decided in (after mark)   dec inst  priv      C2-asked: turn s (med/max) [M insns]   C2 code s (med/max) [M]   never installed")
    med = lambda l: f"{statistics.median(l):5.2f}/{max(l):5.2f}" if l else "   -  /  -  "
    medm = lambda l: f"{statistics.median(l):6.1f}" if l else "   -  "
    for ph in names:
        if ph in per:
            r = per[ph]
            print(f"  {ph:24s} {r['dec']:4d} {r['inst']:4d}  {str(r['priv']):12s} {len(r['turn']):3d}: {med(r['turn'])} [{medm(r['turnM'])}]   {med(r['c2'])} [{medm(r['c2M'])}]   {r['nocode']}")
