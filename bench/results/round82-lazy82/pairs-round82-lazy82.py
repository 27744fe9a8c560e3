#!/usr/bin/env python3
"""lazy82's slot (round 82; round 80 lazy80's table script, QEMU compared with lazy restores too), by jar rather than by --jar: odd runs had --jar = this branch with the switches (mine), even runs
--jar = main; bench/restore.py's "new" is always --jar. Pairs by rep within a run, eager and lazy; the first restore of
each checkpoint (rep 0) marked. QEMU (timer re-armed) in the same run, rep by rep: spawn to running and to the guest's
first heartbeat; vmckpt: spawn to "restored" and to the first heartbeat, and "restored" to the first heartbeat.

    pairs-round82-lazy82.py restore-slot-run1.json restore-slot-run2.json ..."""
import json, statistics, sys


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def f(x):
    return "-" if x is None else f"{x:.0f}"


rows = []
for path in sys.argv[1:]:
    n = int(path.rsplit("run", 1)[1].split(".")[0])
    e = json.load(open(path))["workloads"]["memdirty"]
    minekey, mainkey = ("new", "base") if n % 2 == 1 else ("base", "new")
    q = {x["rep"]: x for x in e.get("qemu") or []}
    for lazy in (False, True):
        mine = {r["rep"]: r for r in e["restores"][minekey] if r["lazy"] == lazy}
        main = {r["rep"]: r for r in e["restores"][mainkey] if r["lazy"] == lazy}
        for rep in sorted(mine):
            first = "mine" if (rep % 2 == 0) == (minekey == "new") else "main"  # --alternate: the base jar first in odd reps
            rows.append((n, rep, lazy, first, mine[rep], main.get(rep) or {}, q.get(rep, {})))


def over(r, limit=200):
    g = r.get("gaps_ms")
    return "-" if g is None else str(sum(1 for x in g if x > limit))


def qrun(qq):
    return qq["running_s"] * 1e3 if qq.get("running_s") else None


def qhb(qq):
    return qq["first_heartbeat_s"] * 1e3 if qq.get("first_heartbeat_s") else None


for lazy in (False, True):
    print(("LAZY" if lazy else "EAGER") + ": run rep first | spawn to restored mine / main | restored to first heartbeat mine / main | "
          "spawn to first heartbeat mine / main | max gap in 3 s mine / main | gaps over 200 ms in 3 s mine / main | QEMU to running / to first heartbeat (continued)")
    for n, rep, lz, first, a, b, qq in rows:
        if lz != lazy:
            continue
        print(f"{n} {rep} {first:4s} | {f(a.get('wall_ms'))} / {f(b.get('wall_ms'))} | {f(a.get('first_heartbeat_ms'))} / {f(b.get('first_heartbeat_ms'))} | "
              f"{f(a.get('spawn_to_first_heartbeat_ms'))} / {f(b.get('spawn_to_first_heartbeat_ms'))} | {f(a.get('max_gap_ms'))} / {f(b.get('max_gap_ms'))} | "
              f"{over(a)} / {over(b)} | "
              f"{f(qrun(qq))} / {f(qhb(qq))} ({qq.get('continued')})")
    sel = [r for r in rows if r[2] == lazy]
    for name, key in (("spawn to restored", lambda r: r.get("wall_ms")), ("restored to first heartbeat", lambda r: r.get("first_heartbeat_ms")),
                      ("spawn to first heartbeat", lambda r: r.get("spawn_to_first_heartbeat_ms")), ("max gap", lambda r: r.get("max_gap_ms"))):
        ok = [(key(a), key(b)) for *_, a, b, qq in sel if key(a) is not None and key(b) is not None]
        if ok:
            print(f"  {name}: mine lower in {sum(1 for x, y in ok if x < y)} of {len(ok)}; medians mine {f(med([x for x, _ in ok]))}, main {f(med([y for _, y in ok]))}; "
                  f"median of differences {statistics.median([x - y for x, y in ok]):+.0f} ms")
    for who, idx in (("mine", 4), ("main", 5)):
        got = [r[idx] for r in sel if r[idx].get("first_heartbeat_ms") is not None]
        within = sum(1 for x in got if x["first_heartbeat_ms"] <= 200)
        clean = sum(1 for x in got if x["first_heartbeat_ms"] <= 200 and x.get("gaps_ms") is not None and all(g <= 200 for g in x["gaps_ms"]))
        gaps = sum(sum(1 for g in x.get("gaps_ms") or [] if g > 200) for x in got)
        print(f"  {who}: first heartbeat within 200 ms of \"restored\" {within} of {len(got)}; that and every gap in the next 3 s within 200 ms "
              f"{clean} of {len(got)}; gaps over 200 ms in all {gaps} (of {sum(len(x.get('gaps_ms') or []) for x in got)})")
    if sel:
        for who, idx in (("mine", 4), ("main", 5)):
            run = sum(1 for r in sel if r[idx].get("wall_ms") and qrun(r[6]) and r[idx]["wall_ms"] < qrun(r[6]))
            hb = sum(1 for r in sel if r[idx].get("spawn_to_first_heartbeat_ms") and qhb(r[6]) and r[idx]["spawn_to_first_heartbeat_ms"] < qhb(r[6]))
            print(f"  {who} faster than QEMU in its rep: to running {run} of {len(sel)}, to the first heartbeat {hb} of {len(sel)}")
        qs = [r[6] for r in sel if r[1] is not None]
        print(f"  QEMU: to running median {f(med([qrun(x) for x in qs]))}, to first heartbeat {f(med([qhb(x) for x in qs]))}, after running "
              f"{f(med([x.get('first_heartbeat_after_running_ms') for x in qs]))} ms")
