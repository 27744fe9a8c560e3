#!/usr/bin/env python3
"""Per C1 task of translated units (UnitBg*) in a -XX:+LogCompilation file: bytecode bytes, task wall (stamp to task_done
stamp), the queue wait (task_queued stamp to task start), nmethod size; summary by size bucket."""
import re, sys, statistics
xml = open(sys.argv[1], errors='replace').read()
queued = {}
for m in re.finditer(r"<task_queued compile_id='(\d+)'[^>]*method='([^']*)'[^>]*stamp='([\d.]+)'", xml):
    queued[m.group(1)] = float(m.group(3))
tasks = []
for m in re.finditer(r"<task compile_id='(\d+)' method='([^']*)' bytes='(\d+)'[^>]*?stamp='([\d.]+)'>(.*?)</task>", xml, re.S):
    cid, meth, b, st, body = m.group(1), m.group(2), int(m.group(3)), float(m.group(4)), m.group(5)
    if 'UnitBg' not in meth: continue
    d = re.search(r"<task_done success='(\d)' nmsize='(\d+)'[^>]*stamp='([\d.]+)'", body)
    if not d: continue
    tasks.append((b, float(d.group(3)) - st, int(d.group(2)), st - queued.get(cid, st), st))
print(f"units compiled: {len(tasks)}; bytecode {sum(t[0] for t in tasks)} B; mean {statistics.mean(t[0] for t in tasks):.0f} B; "
      f"C1 wall per unit mean {1e3*statistics.mean(t[1] for t in tasks):.2f} ms, median {1e3*statistics.median(t[1] for t in tasks):.2f} ms; "
      f"sum {sum(t[1] for t in tasks):.2f} s; queue wait mean {1e3*statistics.mean(t[3] for t in tasks):.2f} ms; nmethod mean {statistics.mean(t[2] for t in tasks):.0f} B")
for lo, hi in [(0, 1000), (1000, 2000), (2000, 3000), (3000, 4000), (4000, 5000), (5000, 9000)]:
    l = [t for t in tasks if lo <= t[0] < hi]
    if l: print(f"  {lo:5d}-{hi:5d} B: {len(l):3d} units, C1 wall mean {1e3*statistics.mean(t[1] for t in l):6.2f} ms, {1e6*statistics.mean(t[1]/t[0] for t in l):5.2f} us/B, nmethod {statistics.mean(t[2] for t in l):6.0f} B")
