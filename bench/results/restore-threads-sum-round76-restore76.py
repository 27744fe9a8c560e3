#!/usr/bin/env python3
"""restore76: medians by variant (main / urandom / agent) of the restore-threads lines in a slot log
(restore-slot-*round76-restore76-log.txt): the JVM's start to `main` ("the command began"), to the restore's start, to
"restored" (the JVM's uptime), the main thread's CPU ("java"), the process's CPU to restored, Genesis, and the
Deoptimize handshakes longer than 10 ms (each waits for every Java thread, one in the VM included)."""
import re, statistics, sys, collections
rows = collections.defaultdict(list)
cur = None
for line in open(sys.argv[1]):
    m = re.search(r"threads \d+ (\w+)$", line.strip())
    if m:
        cur = {"v": m.group(1), "hs": []}
        rows[cur["v"]].append(cur)
        continue
    if cur is None:
        continue
    m = re.search(r"the command began (\d+) ms after the JVM's start, the restore (\d+) ms, restored at (\d+) ms", line)
    if m:
        cur.update(began=int(m.group(1)), restore=int(m.group(2)), restored=int(m.group(3)))
    m = re.search(r"cpu by thread \(ms\): (.*); total (\d+)", line)
    if m:
        cur["total"] = int(m.group(2))
        j = re.search(r"(?:^|, )java (\d+)", m.group(1))
        cur["java"] = int(j.group(1)) if j else None
    m = re.search(r"Genesis, ([\d.]+) secs", line)
    if m:
        cur["genesis"] = float(m.group(1)) * 1e3
    m = re.search(r"long handshake: .*Total completion time: (\d+) ns", line)
    if m and int(m.group(1)) > 10_000_000:
        cur["hs"].append(int(m.group(1)) / 1e6)
def med(xs):
    xs = [x for x in xs if x is not None]
    return f"{statistics.median(xs):.0f}" if xs else "-"
print("variant n | began | restore | restored | main thread CPU | process CPU | Genesis | handshakes > 10 ms (ms)")
for v, rs in rows.items():
    rs = [r for r in rs if "restored" in r]
    print(f"{v} {len(rs)} | {med([r['began'] for r in rs])} | {med([r['restore'] for r in rs])} | {med([r['restored'] for r in rs])} | "
          f"{med([r.get('java') for r in rs])} | {med([r.get('total') for r in rs])} | {med([r.get('genesis') for r in rs])} | "
          + "; ".join(",".join(f"{h:.0f}" for h in r["hs"]) or "none" for r in rs))
