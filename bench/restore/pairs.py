#!/usr/bin/env python3
"""Tables of restore pairs from bench/restore/ab-slot.sh's runs (a benchmark's summary, not a test).

Each run's restore.json holds bench/restore.py's restores by role: "new" is that run's --jar, "base" its --base-jar.
ab-slot.sh gives odd runs --jar NEW and even runs --jar BASE, so NEW's restores are "new" in odd runs and "base" in even
ones (the run number is read from the file name, ...-runN.json). Pairs are by rep within a run, eager and lazy apart;
"first" says which jar restored first in that rep (--alternate: the base jar first in odd reps). QEMU's restore of the
same workload in the same rep: spawn to running and to the guest's first heartbeat. Lazy restores also get the bound
issue 9 asks for: the first heartbeat within 200 ms (twice the period) of "restored", and no gap over 200 ms after it.
Made from rounds 80-82's per-round copies (lazy80, lazy82).

    bench/restore/pairs.py OUT/restore-slot-signed-run1.json OUT/restore-slot-signed-run2.json ...
"""
import json
import re
import statistics
import sys


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def f(x):
    return "-" if x is None else f"{x:.0f}"


def over(r, limit=200):
    g = r.get("gaps_ms")
    return "-" if g is None else str(sum(1 for x in g if x > limit))


def qrun(q):
    return q["running_s"] * 1e3 if q.get("running_s") else None


def qhb(q):
    return q["first_heartbeat_s"] * 1e3 if q.get("first_heartbeat_s") else None


def load(paths):
    rows = []
    for path in paths:
        m = re.search(r"run(\d+)\.json$", path)
        if not m:
            sys.exit(f"pairs.py: {path}: the name must end in runN.json (ab-slot.sh names them so)")
        n = int(m.group(1))
        e = json.load(open(path))["workloads"]["memdirty"]
        newkey, basekey = ("new", "base") if n % 2 == 1 else ("base", "new")
        q = {x["rep"]: x for x in e.get("qemu") or []}
        for lazy in (False, True):
            a = {r["rep"]: r for r in e["restores"].get(newkey, []) if r["lazy"] == lazy}
            b = {r["rep"]: r for r in e["restores"].get(basekey, []) if r["lazy"] == lazy}
            for rep in sorted(a):
                first = "NEW" if (rep % 2 == 0) == (newkey == "new") else "BASE"
                rows.append((n, rep, lazy, first, a[rep], b.get(rep) or {}, q.get(rep, {})))
    return rows


KEYS = (("spawn to restored", "wall_ms"), ("restored to first heartbeat", "first_heartbeat_ms"),
        ("spawn to first heartbeat", "spawn_to_first_heartbeat_ms"), ("max gap", "max_gap_ms"))


def table(rows, lazy):
    print(("LAZY" if lazy else "EAGER") + ": run rep first | spawn to restored NEW / BASE | restored to first heartbeat "
          "NEW / BASE | spawn to first heartbeat NEW / BASE | max gap in 3 s NEW / BASE | gaps over 200 ms in 3 s "
          "NEW / BASE | QEMU to running / to first heartbeat (continued)")
    sel = [r for r in rows if r[2] == lazy]
    for n, rep, _, first, a, b, q in sel:
        cells = " | ".join(f"{f(a.get(k))} / {f(b.get(k))}" for _, k in KEYS)
        print(f"{n} {rep} {first:4s} | {cells} | {over(a)} / {over(b)} | {f(qrun(q))} / {f(qhb(q))} ({q.get('continued')})")
    for name, k in KEYS:
        ok = [(a[k], b[k]) for *_, a, b, _ in sel if a.get(k) is not None and b.get(k) is not None]
        if ok:
            print(f"  {name}: NEW lower in {sum(1 for x, y in ok if x < y)} of {len(ok)}; medians NEW {f(med([x for x, _ in ok]))}, "
                  f"BASE {f(med([y for _, y in ok]))}; median of differences {statistics.median([x - y for x, y in ok]):+.0f} ms")
    for who, idx in (("NEW", 4), ("BASE", 5)):
        got = [r[idx] for r in sel if r[idx].get("first_heartbeat_ms") is not None]
        within = sum(1 for x in got if x["first_heartbeat_ms"] <= 200)
        clean = sum(1 for x in got if x["first_heartbeat_ms"] <= 200 and x.get("gaps_ms") is not None
                    and all(g <= 200 for g in x["gaps_ms"]))
        gaps = sum(sum(1 for g in x.get("gaps_ms") or [] if g > 200) for x in got)
        print(f"  {who}: first heartbeat within 200 ms of \"restored\" {within} of {len(got)}; that and every gap in the next "
              f"3 s within 200 ms {clean} of {len(got)}; gaps over 200 ms in all {gaps} "
              f"(of {sum(len(x.get('gaps_ms') or []) for x in got)})")
        run = sum(1 for r in sel if r[idx].get("wall_ms") and qrun(r[6]) and r[idx]["wall_ms"] < qrun(r[6]))
        hb = sum(1 for r in sel if r[idx].get("spawn_to_first_heartbeat_ms") and qhb(r[6])
                 and r[idx]["spawn_to_first_heartbeat_ms"] < qhb(r[6]))
        print(f"  {who} faster than QEMU in its rep: to running {run} of {len(sel)}, to the first heartbeat {hb} of {len(sel)}")
    qs = [r[6] for r in sel]
    print(f"  QEMU: to running median {f(med([qrun(x) for x in qs]))}, to first heartbeat {f(med([qhb(x) for x in qs]))}, "
          f"after running {f(med([x.get('first_heartbeat_after_running_ms') for x in qs]))} ms")


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 else 2)
    rows = load(sys.argv[1:])
    for lazy in (False, True):
        table(rows, lazy)


if __name__ == "__main__":
    main()
