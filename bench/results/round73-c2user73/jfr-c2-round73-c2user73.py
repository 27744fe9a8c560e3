#!/usr/bin/env python3
"""Round 73 (c2user73): C2's compiles (and tier 3's) from a JFR recording's jdk.Compilation events (`jfr print --json --events
jdk.Compilation F.jfr`), split into hot-tier builds (HotUnit classes), C1 units (tier 4 of a Unit*: none expected) and
the rest (the JVM's and vmckpt's own methods), with count, total and largest duration (wall ms: a loaded host's) and
code size; and C2's compiles of HotUnit builds by the second of the run they began in."""
import collections
import json
import sys

ev = json.load(open(sys.argv[1]))["recording"]["events"]
rows = collections.defaultdict(list)
for e in ev:
    v = e["values"]
    if v["compileLevel"] not in (3, 4):
        continue
    m = v["method"]
    cls = m["type"]["name"] if isinstance(m, dict) else str(m)
    kind = ("HotUnit" if "HotUnit" in cls else ("C1 unit" if ".Unit" in cls else "other")) + (" tier 3" if v["compileLevel"] == 3 else " C2")
    d = v["duration"]
    ms = float(d[2:-1]) * 1000 if d.startswith("PT") and d.endswith("S") else float("nan")
    rows[kind].append((ms, v["codeSize"], v["succeded"], v["startTime"]))
for kind, l in rows.items():
    l.sort()
    print(f"{kind:15s} compiles {len(l):4d}  total {sum(x[0] for x in l):8.0f} ms  median {l[len(l) // 2][0]:7.1f}  max {l[-1][0]:7.1f} ms"
          f"  code {sum(x[1] for x in l) / 1024:7.0f} KiB  failed {sum(1 for x in l if not x[2])}")
