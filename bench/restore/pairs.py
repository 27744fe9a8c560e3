#!/usr/bin/env python3
"""Tables of restore pairs from bench/restore/ab-slot.sh's runs (a benchmark's summary, not a test).

Each run's restore.json holds bench/restore.py's restores by role: "new" is that run's --jar, "base" its --base-jar.
ab-slot.sh gives odd runs --jar NEW and even runs --jar BASE, so NEW's restores are "new" in odd runs and "base" in even
ones (the run number is read from the file name, ...-runN.json). Pairs are by rep within a run, eager and lazy apart;
"first" says which jar restored first in that rep (--alternate: the base jar first in odd reps). QEMU's restore of the
same workload in the same rep: spawn to running and to the guest's first heartbeat. Lazy restores also get the bound
issue 9 asks for: the first heartbeat within 200 ms (twice the period) of "restored", and no gap over 200 ms after it.
Made from rounds 80-82's per-round copies (lazy80, lazy82). Round 86: each "NEW lower in k of n" with its two-sided
sign-test p (equal pairs left out), as bench/cpu/pairs.py prints it.
Round 84 (restore84): the run's one workload whatever it is (memdirty, memrandom); eager restores also get the checkpoint
data loaded per second (issue 9's >= 1 GB/s), the checkpoint's size and the collector's pauses; and a run whose canary
(ab-slot.sh's OUT/...-runN.canary beside the JSON: bench/cpu/canary.c before and after the run) took more than --slow-alu
(1.15) times the fastest ALU reading of all the runs given, or --slow-mem (2.0) times the fastest memory walk, is a
slow-host run: its pairs are marked "*" and every count is given again without them ("clean"). Runs without a canary
file are never slow. --canaries=DIR: the fastest readings taken from every *.canary file in DIR (e.g. a whole slot's
segments), not only from the runs given.

    bench/restore/pairs.py OUT/restore-slot-signed-run1.json OUT/restore-slot-signed-run2.json ...
"""
import json
import os
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


def canaries(path):
    c = path[:-len(".json")] + ".canary"
    if not os.path.exists(c):
        return []
    out = []
    for line in open(c):
        w = line.split()
        if len(w) >= 4 and w[0] == "alu" and w[2] == "mem":
            out.append((float(w[1]), float(w[3])))
    return out


def load(paths, slow_alu=1.15, slow_mem=2.0, canary_dir=None):
    rows = []
    cs = {p: canaries(p) for p in paths}
    every = [x for v in cs.values() for x in v]
    if canary_dir:
        every += [x for n in sorted(os.listdir(canary_dir)) if n.endswith(".canary")
                  for x in canaries(os.path.join(canary_dir, n[:-len(".canary")] + ".json"))]
    alu = slow_alu * min(x[0] for x in every) if every else None
    mem = slow_mem * min(x[1] for x in every) if every else None
    for path in paths:
        m = re.search(r"run(\d+)\.json$", path)
        if not m:
            sys.exit(f"pairs.py: {path}: the name must end in runN.json (ab-slot.sh names them so)")
        n = int(m.group(1))
        slow = any(a > alu or b > mem for a, b in cs[path]) if every else False
        print(f"run {n}: canary {' '.join(f'alu {a:.3f} mem {b:.3f}' for a, b in cs[path]) or 'none'}{' SLOW-HOST' if slow else ''}")
        wls = json.load(open(path))["workloads"]
        e = wls["memdirty"] if "memdirty" in wls else next(iter(wls.values()))
        newkey, basekey = ("new", "base") if n % 2 == 1 else ("base", "new")
        q = {x["rep"]: x for x in e.get("qemu") or []}
        for lazy in (False, True):
            a = {r["rep"]: r for r in e["restores"].get(newkey, []) if r["lazy"] == lazy}
            b = {r["rep"]: r for r in e["restores"].get(basekey, []) if r["lazy"] == lazy}
            for rep in sorted(a):
                first = "NEW" if (rep % 2 == 0) == (newkey == "new") else "BASE"
                rows.append((n, rep, lazy, first, a[rep], b.get(rep) or {}, q.get(rep, {}), slow))
    return rows


KEYS = (("spawn to restored", "wall_ms"), ("restored to first heartbeat", "first_heartbeat_ms"),
        ("spawn to first heartbeat", "spawn_to_first_heartbeat_ms"), ("max gap", "max_gap_ms"))


def _cpu_pairs():
    """bench/cpu/pairs.py as a module (same file name as this one, so loaded by path): its sign_p is the one test."""
    import importlib.util
    spec = importlib.util.spec_from_file_location("cpu_pairs", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cpu", "pairs.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


sign_p = _cpu_pairs().sign_p


def counts(sel, keys, tag):
    for name, k in keys:
        ok = [(r[4][k], r[5][k]) for r in sel if r[4].get(k) is not None and r[5].get(k) is not None]
        if ok:
            lower = sum(1 for x, y in ok if x < y)
            higher = sum(1 for x, y in ok if x > y)
            print(f"  {tag}{name}: NEW lower in {lower} of {len(ok)} (sign-test p {sign_p(lower, higher):.3f}); medians NEW {f(med([x for x, _ in ok]))}, "
                  f"BASE {f(med([y for _, y in ok]))}; median of differences {statistics.median([x - y for x, y in ok]):+.0f}")


EAGER_KEYS = (("checkpoint data MB/s (higher is better)", "data_MBps"), ("collector pauses (count)", "gc_count"),
              ("collector pauses ms", "gc_ms"))


def table(rows, lazy):
    print(("LAZY" if lazy else "EAGER") + ": run rep first | spawn to restored NEW / BASE | restored to first heartbeat "
          "NEW / BASE | spawn to first heartbeat NEW / BASE | max gap in the watch NEW / BASE | gaps over 200 ms in the watch "
          "(3 s; eager restores: restore.py's --eager-watch) NEW / BASE | QEMU to running / to first heartbeat (continued)")
    sel = [r for r in rows if r[2] == lazy]
    for n, rep, _, first, a, b, q, slow in sel:
        cells = " | ".join(f"{f(a.get(k))} / {f(b.get(k))}" for _, k in KEYS)
        extra = "" if lazy else (f" | data MB/s {f(a.get('data_MBps'))} / {f(b.get('data_MBps'))}, checkpoint MB "
                                 f"{f((a.get('checkpoint_size') or 0) / 1e6)} / {f((b.get('checkpoint_size') or 0) / 1e6)}, GC "
                                 f"{a.get('gc_count')} ({f(a.get('gc_ms'))} ms) / {b.get('gc_count')} ({f(b.get('gc_ms'))} ms)")
        print(f"{n} {rep} {first:4s}{'*' if slow else ' '}| {cells} | {over(a)} / {over(b)} | {f(qrun(q))} / {f(qhb(q))} ({q.get('continued')}){extra}")
    keys = KEYS + (() if lazy else EAGER_KEYS)
    counts(sel, keys, "")
    clean = [r for r in sel if not r[7]]
    if len(clean) < len(sel):
        print(f"  clean (without the {len(sel) - len(clean)} slow-host pairs):")
        counts(clean, keys, "clean ")
    if not lazy:
        for who, idx in (("NEW", 4), ("BASE", 5)):
            got = [r[idx]["data_MBps"] for r in sel if r[idx].get("data_MBps")]
            print(f"  {who}: checkpoint data loaded at >= 1 GB/s in {sum(1 for x in got if x >= 1000)} of {len(got)}")
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--"))
    rows = load(args, float(opts.get("slow-alu", 1.15)), float(opts.get("slow-mem", 2.0)), opts.get("canaries"))
    for lazy in (False, True):
        table(rows, lazy)


if __name__ == "__main__":
    main()
