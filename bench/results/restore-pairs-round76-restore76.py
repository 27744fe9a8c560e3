#!/usr/bin/env python3
"""restore76's slot, by jar rather than by --jar: odd runs had --jar = this branch with VMCKPT_HEAP=agent and -Dvmckpt.genid.urandom (mine), even runs --jar =
main (with the whole heap); bench/restore.py's "new" is always --jar. Pairs by rep within a run; the first restore of each
checkpoint (rep 0) on its own line per run."""
import json, statistics, sys

def med(xs):
    return statistics.median(xs) if xs else None

rows = []
for path in sys.argv[1:]:
    n = int(path.rsplit("run", 1)[1].split(".")[0])
    d = json.load(open(path))
    e = d["workloads"]["memdirty"]
    minekey, mainkey = ("new", "base") if n % 2 == 1 else ("base", "new")
    q = {x["rep"]: x["running_s"] * 1e3 for x in e.get("qemu") or [] if x.get("running_s")}
    mine = {r["rep"]: r for r in e["restores"][minekey] if not r["lazy"]}
    main = {r["rep"]: r for r in e["restores"][mainkey] if not r["lazy"]}
    for rep in sorted(mine):
        a, b = mine[rep], main[rep]
        first = "mine" if (rep % 2 == 0) == (minekey == "new") else "main"  # --alternate: the base jar first in odd reps
        rows.append((n, rep, first, a, b, q.get(rep)))

def f(x):
    return f"{x:.0f}"

print("run rep first | spawn to restored mine / main | before the restore mine / main | in process mine / main | loading mine / main | decode CPU mine / main | QEMU | MB/s of checkpoint data mine / main")
for n, rep, first, a, b, qm in rows:
    print(f"{n} {rep} {first:4s} | {f(a['wall_ms'])} / {f(b['wall_ms'])} | {f(a['wall_ms'] - a['load_ms'])} / {f(b['wall_ms'] - b['load_ms'])} | "
          f"{f(a['load_ms'])} / {f(b['load_ms'])} | {a['pages_loading_ms']:.0f} / {b['pages_loading_ms']:.0f} | {a['pages_decode_ms']:.0f} / {b['pages_decode_ms']:.0f} | "
          f"{qm and f(qm)} | {a['data_MBps']:.0f} / {b['data_MBps']:.0f}")
def count(key):
    return sum(1 for *_, a, b, q in rows if key(a) < key(b)), len(rows)
for name, key in (("spawn to restored", lambda r: r["wall_ms"]), ("before the restore", lambda r: r["wall_ms"] - r["load_ms"]),
                  ("in process", lambda r: r["load_ms"]), ("loading", lambda r: r["pages_loading_ms"])):
    lo, tot = count(key)
    print(f"{name}: mine lower in {lo} of {tot}; medians mine {med([key(a) for *_, a, b, q in rows]):.0f}, main {med([key(b) for *_, a, b, q in rows]):.0f} ms")
for name, i in (("mine", 3), ("main", 4)):
    xs = [r[i] for r in rows]
    faster = sum(1 for r in rows if r[5] and r[i]["wall_ms"] < r[5])
    print(f"{name}: faster than QEMU in its rep {faster} of {len(rows)}; MB/s of checkpoint data {min(x['data_MBps'] for x in xs):.0f}-{max(x['data_MBps'] for x in xs):.0f}; "
          f"first restores (rep 0): {', '.join(f(r[i]['wall_ms']) for r in rows if r[1] == 0)} ms")
print(f"QEMU: median {med([r[5] for r in rows if r[5]]):.0f} ms; rep 0: {', '.join(f(r[5]) for r in rows if r[1] == 0 and r[5])} ms")
