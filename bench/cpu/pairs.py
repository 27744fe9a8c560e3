#!/usr/bin/env python3
"""A/B pairs from bench/cpu/threads.py's JSON: the shared script (round 72; rounds 59-71 each copied one into
bench/results as pairs-round*.py, kept there as records).

threads.py runs each named launcher once per round, in the order given, and writes {launcher: [run, ...]} to --json.
A *pair* is launcher A's run and launcher B's run of the same round of the same file: run i of A with run i of B
(never across files, never by sorting). Files are given on the command line; a file named ...R<n>... (the slot
scripts' R<round>-<guest>.json) is round n, and rounds are ordered by n, then by the run's index in its file; other
files keep the command line's order. A bundle ({"R1-default": {launcher: [...]}, ...}) counts as one file per key.

For each guest and phase (boot to /init, the module phase, the compute phase, the fork phase: the four phases of a
run to BENCH-DONE; a run to an earlier mark has fewer) it prints: the number of pairs; in how many B's figure is lower
than A's, and in how many they are equal (within half a clock tick, 0.005 s); the medians of A and of B; the same
counted without the slow-host pairs; then every pair in round order (A/B, "*" a slow-host pair). Then the first run
of each launcher per guest (the first in round order) on its own line: a JVM's first start after a build reads a cold
page cache and class-data archive, so it is reported apart as well as counted in its pair.

The figure is the run thread's CPU seconds (--metric run, the default: the guest's own thread, the least disturbed by
the other tenants of a 2-core host), or another thread group's CPU (C1, C2, translator, gc, other), or the phase's wall.

A slow-host pair: with threads.py --canary each run sits between two runs of bench/cpu/canary.c (fixed work: an ALU
loop and a 4 MiB random memory walk, their thread CPU seconds). A run's host was slow if a canary beside it (before
or after) took more than --slow-alu times (1.15) the fastest ALU canary of all the runs given, or more than
--slow-mem times (2.0) the fastest memory walk (round 71: the walk reads 0.08-0.10 s on a quiet host, 0.3-0.6 s when
another tenant has the caches). A pair is slow-host if either of its runs is. Runs without canaries are never slow.

--phases (round 83) names the phases and parts to print, a comma list (default boot,modules,compute,fork): besides the
four, the compute phase's parts "sha256" and "gzip" (threads.py's sha256_cpu/gzip_cpu and their walls, since round 81)
and "gen", benchtool gen before the phase (modules-end to compute-start: the marks' CPU and wall, mend to cstart).

--order (round 84, for A/A series: is a lean the jar's or the tool's?) adds, per guest and phase: the two-sided sign
test's p of the B-lower count against the B-higher one (equal pairs left out; the same without the slow-host pairs);
the pairs counted by which run ran first in its round (a file's launchers run in the order of its keys: ab-slot.sh
turns it), with the median of the second run's figure minus the first's; and the median of every run at each place
of its round's run order (1 = first), whatever its launcher: a place that runs slower would show there; and, of the
pairs whose figures differ by more than 0.1 s, in how many the higher run had the slower ALU canary beside it (the
host's slow mode following one side of the pair), the faster, or the same.

The guest of a run is the run's "guest" field (threads.py writes it since round 72), else --guest, else "signed" or
"default" in the file's (or bundle key's) name, else "?". A run that did not exit 0 is left out of its pair (listed).

  python3 bench/cpu/pairs.py bench/results/r72h/R*.json --a main --b hl
  python3 bench/cpu/pairs.py bench/results/r71f/R*.json --a base --b hl --metric C1
  python3 bench/cpu/pairs.py DIR/R*.json --a main --b x --phases boot,modules,gen,sha256,gzip,compute --metric C2
  python3 bench/cpu/pairs.py bench/results/round84-aa84/slot/R*.json --a main --b work --phases boot,modules --order
  python3 -m unittest discover -s bench/cpu -p 'test_pairs.py'     # its test (a hand-computed fixture)
"""
import argparse
import json
import math
import os
import re
import statistics
import sys

PHASES = ("boot", "modules", "compute", "fork")
MARK_PARTS = {"gen": ("mend", "cstart")}  # (round 83: a part between two marks, their CPU and wall)
GROUPS = ("run", "C1", "C2", "translator", "gc", "other", "prefault")  # (prefault: round 81, within "other")
EQUAL = 0.005  # half a clock tick of /proc's CPU times (threads.py reads them at 100 Hz)


def figure(run, phase, metric):
    """RUN's figure for PHASE: a thread group's CPU seconds in it, or its wall seconds; None if the run has no such phase."""
    if phase in MARK_PARTS:
        x, y = MARK_PARTS[phase]
        if metric == "wall":
            a, b = run.get(x + "_wall"), run.get(y + "_wall")
            return b - a if a is not None and b is not None else None
        a, b = run.get(x + "_cpu"), run.get(y + "_cpu")
        return b.get(metric, 0.0) - a.get(metric, 0.0) if a and b else None
    if metric == "wall":
        if phase == "boot":
            return run.get("init_wall")
        if phase == "modules":
            a, b = run.get("mstart_wall"), run.get("mend_wall")
            return b - a if a is not None and b is not None else None
        return run.get(phase + "_wall")
    if phase == "boot":
        cpu = run.get("init_cpu")
    elif phase == "modules":
        cpu = run.get("modules_cpu")
        if cpu is None and run.get("mstart_cpu") and run.get("mend_cpu"):
            cpu = {k: run["mend_cpu"][k] - run["mstart_cpu"].get(k, 0.0) for k in run["mend_cpu"]}
    else:
        cpu = run.get(phase + "_cpu")
    return cpu.get(metric) if cpu else None


def load_files(paths):
    """[(name, {launcher: [runs]})] in the order given; a bundle's keys become names of their own."""
    out = []
    for path in paths:
        with open(path) as f:
            d = json.load(f)
        if d and all(isinstance(v, dict) for v in d.values()):
            for k, v in d.items():
                out.append((k, v))
        else:
            out.append((os.path.basename(path), d))
    return out


def guest_of(run, name, default):
    if run.get("guest"):
        return run["guest"]
    if default:
        return default
    low = name.lower()
    for g in ("signed", "default"):
        if g in low:
            return g
    return "?"


def canary_of(run):
    """(max ALU seconds, max memory-walk seconds) of the canaries beside RUN, or None."""
    c = run.get("canary")
    if not c:
        return None
    c = [x for x in c if x]
    if not c:
        return None
    return max(x[0] for x in c), max(x[1] for x in c)


def make_pairs(files, a, b, guest=None):
    """The pairs of launchers A and B: a list of dicts (label, order key, guest, the two runs), in round order; and
    the runs left out (not exit 0) as (label, launcher, exit)."""
    pairs, dropped = [], []
    for fi, (name, d) in enumerate(files):
        ra, rb = d.get(a) or [], d.get(b) or []
        m = re.search(r"R(\d+)", name)
        for i in range(min(len(ra), len(rb))):
            label = (f"R{m.group(1)}" if m else os.path.splitext(name)[0]) + (f".{i + 1}" if max(len(ra), len(rb)) > 1 else "")
            key = (int(m.group(1)) if m else 0, fi if not m else 0, i)
            x, y = ra[i], rb[i]
            bad = [(n, r.get("exit")) for n, r in ((a, x), (b, y)) if r.get("exit", 0) != 0]
            if bad:
                dropped += [(label, n, e) for n, e in bad]
                continue
            keys = list(d)  # (round 84: the launchers' run order in the file, for --order)
            pairs.append({"label": label, "key": key, "guest": guest_of(x, name, guest), "a": x, "b": y,
                          "a_first": keys.index(a) < keys.index(b)})
    pairs.sort(key=lambda p: p["key"])
    return pairs, dropped


def mark_slow(pairs, slow_alu, slow_mem):
    """Sets each pair's "slow" (either run's canary over the factors times the fastest of all); returns the bounds."""
    cs = [x for p in pairs for r in (p["a"], p["b"]) for x in (r.get("canary") or []) if x]  # every reading, before and after
    if not cs:
        for p in pairs:
            p["slow"] = False
        return None
    alu = slow_alu * min(c[0] for c in cs)
    mem = slow_mem * min(c[1] for c in cs)
    for p in pairs:
        p["slow"] = any(c and (c[0] > alu or c[1] > mem) for c in (canary_of(p["a"]), canary_of(p["b"])))
    return alu, mem


def summarise(pairs, guest, phase, metric):
    """{pairs, lower (B lower), equal, median_a, median_b, list [(label, A, B, slow)]} over PAIRS of GUEST with both
    figures; and the same without the slow-host pairs under "quiet"."""
    rows = []
    for p in pairs:
        if p["guest"] != guest:
            continue
        va, vb = figure(p["a"], phase, metric), figure(p["b"], phase, metric)
        if va is not None and vb is not None:
            rows.append((p["label"], va, vb, p.get("slow", False)))

    def count(rs):
        if not rs:
            return {"pairs": 0, "lower": 0, "equal": 0, "median_a": None, "median_b": None}
        return {"pairs": len(rs), "lower": sum(1 for _, va, vb, _ in rs if vb < va - EQUAL),
                "equal": sum(1 for _, va, vb, _ in rs if abs(vb - va) <= EQUAL),
                "median_a": statistics.median(va for _, va, _, _ in rs),
                "median_b": statistics.median(vb for _, _, vb, _ in rs)}
    s = count(rows)
    s["quiet"] = count([r for r in rows if not r[3]])
    s["list"] = rows
    return s


def order_counts(pairs, guest, phase, metric):
    """Round 84: the A/B tool's order within a round. Over PAIRS of GUEST with both figures: in how many the run that ran
    first had the higher figure, the lower, the same (within EQUAL), and the median of (second run's - first's)."""
    d = []
    for p in pairs:
        if p["guest"] != guest:
            continue
        va, vb = figure(p["a"], phase, metric), figure(p["b"], phase, metric)
        if va is None or vb is None:
            continue
        first, second = (va, vb) if p.get("a_first", True) else (vb, va)
        d.append(second - first)
    return {"pairs": len(d), "first_higher": sum(1 for x in d if x < -EQUAL), "first_lower": sum(1 for x in d if x > EQUAL),
            "equal": sum(1 for x in d if abs(x) <= EQUAL), "median_diff": statistics.median(d) if d else None}


def canary_sides(pairs, guest, phase, metric, margin=0.1):
    """Round 84: does a pair's difference follow the host? Over PAIRS of GUEST whose two figures differ by more than
    MARGIN seconds and whose runs both have canaries: in how many the higher run's ALU canary (the slower of its
    before and after) was the slower one too ("same"), in how many the other run's ("other"), and how many tie."""
    out = {"differing": 0, "same": 0, "other": 0, "tie": 0}
    for p in pairs:
        if p["guest"] != guest:
            continue
        va, vb = figure(p["a"], phase, metric), figure(p["b"], phase, metric)
        ca, cb = canary_of(p["a"]), canary_of(p["b"])
        if va is None or vb is None or not ca or not cb or abs(vb - va) <= margin:
            continue
        out["differing"] += 1
        hi, lo = (cb, ca) if vb > va else (ca, cb)
        out["same" if hi[0] > lo[0] else "other" if hi[0] < lo[0] else "tie"] += 1
    return out


def positions(files, guest, phase, metric, default_guest=None):
    """Round 84: every run of GUEST that exited 0, by its place in its round's run order (1 = ran first; a file's
    launchers run in the order of its keys, run i of each launcher in round i), whatever its launcher: {place: [figure]}."""
    out = {}
    for name, d in files:
        keys = list(d)
        for k, n in enumerate(keys):
            for r in d[n] or []:
                if r.get("exit", 0) != 0 or guest_of(r, name, default_guest) != guest:
                    continue
                v = figure(r, phase, metric)
                if v is not None:
                    out.setdefault(k + 1, []).append(v)
    return out


def sign_p(lower, higher):
    """Round 84: the two-sided sign test's p for LOWER against HIGHER pairs (equal pairs left out): the chance of a split
    at least this uneven when either side is as likely to be lower."""
    n = lower + higher
    if n == 0:
        return 1.0
    k = min(lower, higher)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def first_runs(pairs, a, b):
    """{guest: [(launcher, label, run, slow)]}: each launcher's first run per guest in round order."""
    out = {}
    for p in pairs:
        lst = out.setdefault(p["guest"], [])
        for n in (a, b):
            if not any(x[0] == n for x in lst):
                lst.append((n, p["label"], p["a" if n == a else "b"], p.get("slow", False)))
    return out


def fmt(v):
    return "-" if v is None else f"{v:.2f}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="threads.py --json files (or bundles of them)")
    ap.add_argument("--a", help="the base launcher's name (the first of two names if not given)")
    ap.add_argument("--b", help="the launcher compared with it: 'lower' counts B's figure below A's")
    ap.add_argument("--metric", default="run", choices=GROUPS + ("wall",),
                    help="run-thread CPU (run, the default), another thread group's CPU, or the phase's wall")
    ap.add_argument("--guest", help="the guest of runs that do not name theirs (else from the file's name)")
    ap.add_argument("--phases", default=",".join(PHASES),
                    help="a comma list of phases and parts (boot, modules, compute, fork; sha256, gzip, gen)")
    ap.add_argument("--order", action="store_true",
                    help="round 84: the sign test's p of each count, the pairs by which side ran first, each place's median")
    ap.add_argument("--slow-alu", type=float, default=1.15, help="a slow host: an ALU canary over this times the fastest")
    ap.add_argument("--slow-mem", type=float, default=2.0, help="a slow host: a memory canary over this times the fastest")
    args = ap.parse_args(argv)
    phases = [x for x in args.phases.split(",") if x]
    files = load_files(args.files)
    names = []
    for _, d in files:
        for n in d:
            if n not in names:
                names.append(n)
    a, b = args.a, args.b
    if a is None or b is None:
        rest = [n for n in names if n not in (a, b)]
        if len(names) != 2:
            ap.error(f"name both launchers with --a and --b (the files have {names})")
        a = a or rest.pop(0)
        b = b or rest.pop(0)
    pairs, dropped = make_pairs(files, a, b, args.guest)
    bounds = mark_slow(pairs, args.slow_alu, args.slow_mem)
    what = "run-thread CPU s" if args.metric == "run" else ("wall s" if args.metric == "wall" else args.metric + " CPU s")
    print(f"# pairs.py: A = {a}, B = {b}; {what}; {len(pairs)} pairs from {len(files)} files")
    if bounds:
        slow = [p["label"] for p in pairs if p["slow"]]
        print(f"# slow host: a canary over {bounds[0]:.3f} s (ALU) or {bounds[1]:.3f} s (memory walk); "
              f"{len(slow)} slow-host pairs: {', '.join(slow) or 'none'}")
    else:
        print("# no canaries in these runs: no pair counted as slow-host")
    for label, n, e in dropped:
        print(f"# left out: {label} {n} exit {e}")
    guests = []
    for p in pairs:
        if p["guest"] not in guests:
            guests.append(p["guest"])
    print(f"{'guest':8} {'phase':8} {'pairs':>5} {'B lower':>7} {'equal':>5} {'med A':>6} {'med B':>6} | "
          f"without slow-host: {'pairs':>5} {'B lower':>7} {'med A':>6} {'med B':>6}")
    for g in guests:
        for ph in phases:
            s = summarise(pairs, g, ph, args.metric)
            if not s["pairs"]:
                continue
            q = s["quiet"]
            print(f"{g:8} {ph:8} {s['pairs']:5} {s['lower']:7} {s['equal']:5} {fmt(s['median_a']):>6} {fmt(s['median_b']):>6} | "
                  f"{'':18} {q['pairs']:5} {q['lower']:7} {fmt(q['median_a']):>6} {fmt(q['median_b']):>6}")
    print(f"# every pair in round order ({a}/{b}; * slow host)")
    for g in guests:
        for ph in phases:
            s = summarise(pairs, g, ph, args.metric)
            if s["pairs"]:
                print(f"{g} {ph}: " + ", ".join(f"{lab} {va:.2f}/{vb:.2f}{'*' if sl else ''}" for lab, va, vb, sl in s["list"]))
    if args.order:
        print(f"# sign test (two-sided, equal pairs left out): p of B lower against B higher; and the run that ran first "
              f"against the one that ran second (the tool's order), with the median of second - first")
        for g in guests:
            for ph in phases:
                s = summarise(pairs, g, ph, args.metric)
                if not s["pairs"]:
                    continue
                o = order_counts(pairs, g, ph, args.metric)
                higher = s["pairs"] - s["lower"] - s["equal"]
                q = s["quiet"]
                qh = sum(1 for _, va, vb, sl in s["list"] if not sl and vb > va + EQUAL)
                cs = canary_sides(pairs, g, ph, args.metric)
                print(f"canary {g} {ph}: of {cs['differing']} pairs differing by more than 0.1 s, the higher run had the "
                      f"slower ALU canary in {cs['same']}, the faster in {cs['other']}, the same in {cs['tie']}")
                print(f"order {g} {ph}: B lower {s['lower']}, higher {higher}, equal {s['equal']}: p {sign_p(s['lower'], higher):.3f}"
                      f" (without slow-host: lower {q['lower']}, higher {qh}: p {sign_p(q['lower'], qh):.3f}); first ran higher "
                      f"{o['first_higher']}, lower {o['first_lower']}, equal {o['equal']}: p {sign_p(o['first_higher'], o['first_lower']):.3f}, "
                      f"second - first median {o['median_diff']:+.3f}")
        print("# each place in the round's run order: median (runs) of every launcher's runs there")
        for g in guests:
            for ph in phases:
                pos = positions(files, g, ph, args.metric, args.guest)
                if pos:
                    print(f"place {g} {ph}: " + ", ".join(f"{k}: {statistics.median(v):.2f} ({len(v)})" for k, v in sorted(pos.items())))
    print("# the first run of each launcher per guest")
    for g, lst in first_runs(pairs, a, b).items():
        for n, label, r, sl in lst:
            print(f"{g} {n} ({label}{', slow host' if sl else ''}): "
                  + ", ".join(f"{ph} {fmt(figure(r, ph, args.metric))}" for ph in phases))
    return 0


if __name__ == "__main__":
    sys.exit(main())
