#!/usr/bin/env python3
"""restore77's slot, by jar rather than by --jar: odd runs had --jar = this branch (mine; its switch off), even runs
--jar = main; bench/restore.py's "new" is always --jar. Pairs by rep within a run; the first restore of
each checkpoint (rep 0) on its own line per run. QEMU (its timer re-armed: continued) in the same run, rep by rep, both
ways: spawn to running (vmckpt: "restored") and spawn to the guest's first heartbeat after the restore.

    pairs-round77-restore77.py restore-slot-run1.json restore-slot-run2.json ..."""
import json, statistics, sys


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


rows = []
for path in sys.argv[1:]:
    n = int(path.rsplit("run", 1)[1].split(".")[0])
    d = json.load(open(path))
    e = d["workloads"]["memdirty"]
    minekey, mainkey = ("new", "base") if n % 2 == 1 else ("base", "new")
    q = {x["rep"]: x for x in e.get("qemu") or []}
    mine = {r["rep"]: r for r in e["restores"][minekey] if not r["lazy"]}
    main = {r["rep"]: r for r in e["restores"][mainkey] if not r["lazy"]}
    for rep in sorted(mine):
        first = "mine" if (rep % 2 == 0) == (minekey == "new") else "main"  # --alternate: the base jar first in odd reps
        rows.append((n, rep, first, mine[rep], main.get(rep), q.get(rep, {})))


def f(x):
    return "-" if x is None else f"{x:.0f}"


def qrun(qq):
    return qq["running_s"] * 1e3 if qq.get("running_s") else None


def qhb(qq):
    return qq["first_heartbeat_s"] * 1e3 if qq.get("first_heartbeat_s") else None


print("run rep first | spawn to restored mine / main | to first heartbeat mine / main | in process mine / main | loading mine / main "
      "| read, decode, copy CPU mine / main | QEMU to running / to first heartbeat (continued) | MB/s of checkpoint data mine / main")
for n, rep, first, a, b, qq in rows:
    print(f"{n} {rep} {first:4s} | {f(a.get('wall_ms'))} / {f(b.get('wall_ms'))} | {f(a.get('spawn_to_first_heartbeat_ms'))} / "
          f"{f(b.get('spawn_to_first_heartbeat_ms'))} | {f(a.get('load_ms'))} / {f(b.get('load_ms'))} | {f(a.get('pages_loading_ms'))} / "
          f"{f(b.get('pages_loading_ms'))} | {f(a.get('pages_read_ms'))}, {f(a.get('pages_decode_ms'))}, {f(a.get('pages_copy_ms'))} / "
          f"{f(b.get('pages_read_ms'))}, {f(b.get('pages_decode_ms'))}, {f(b.get('pages_copy_ms'))} | {f(qrun(qq))} / {f(qhb(qq))} "
          f"({qq.get('continued')}) | {f(a.get('data_MBps'))} / {f(b.get('data_MBps'))}")


def count(key):
    ok = [(key(a), key(b)) for *_, a, b, qq in rows if key(a) is not None and key(b) is not None]
    return sum(1 for x, y in ok if x < y), len(ok), med([x for x, _ in ok]), med([y for _, y in ok])


for name, key in (("spawn to restored", lambda r: r.get("wall_ms")), ("spawn to first heartbeat", lambda r: r.get("spawn_to_first_heartbeat_ms")),
                  ("in process", lambda r: r.get("load_ms")), ("loading", lambda r: r.get("pages_loading_ms")),
                  ("read CPU", lambda r: r.get("pages_read_ms")), ("decode CPU", lambda r: r.get("pages_decode_ms")),
                  ("copy CPU", lambda r: r.get("pages_copy_ms"))):
    lo, tot, ma, mb = count(key)
    if tot:
        print(f"{name}: mine lower in {lo} of {tot}; medians mine {ma:.0f}, main {mb:.0f} ms")
for name, i in (("mine", 3), ("main", 4)):
    xs = [r[i] for r in rows if r[i]]
    run = sum(1 for r in rows if r[i] and qrun(r[5]) and r[i]["wall_ms"] < qrun(r[5]))
    hb = sum(1 for r in rows if r[i] and r[i].get("spawn_to_first_heartbeat_ms") and (not qhb(r[5]) or r[i]["spawn_to_first_heartbeat_ms"] < qhb(r[5])))
    print(f"{name}: faster than QEMU in its rep: to running {run} of {len(xs)}, to the first heartbeat {hb} of {len(xs)}; "
          f"MB/s of checkpoint data {min(x['data_MBps'] for x in xs):.0f}-{max(x['data_MBps'] for x in xs):.0f}; "
          f"first restores (rep 0): restored {', '.join(f(r[i]['wall_ms']) for r in rows if r[1] == 0 and r[i])} ms, first heartbeat "
          f"{', '.join(f(r[i].get('spawn_to_first_heartbeat_ms')) for r in rows if r[1] == 0 and r[i])} ms")
qs = [r[5] for r in rows if r[5]]
print(f"QEMU: to running median {f(med([qrun(x) for x in qs]))} ms, to first heartbeat median {f(med([qhb(x) for x in qs]))} ms, "
      f"continued {sum(1 for x in qs if x.get('continued'))} of {len(qs)}, timer kick {f(med([x.get('kick_ms') for x in qs]))} ms median; "
      f"rep 0: running {', '.join(f(qrun(r[5])) for r in rows if r[1] == 0)} ms, first heartbeat {', '.join(f(qhb(r[5])) for r in rows if r[1] == 0)} ms")
