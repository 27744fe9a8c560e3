#!/usr/bin/env python3
"""Each run of bench/cpu/threads.py's JSON (ab-slot.sh's R<n>-<guest>.json) on one line: launcher, guest, the
run thread's CPU in gzip's part (sha256-end to compute-end), the compute and fork phases, and the run's page walks
(--stats' "TLB: N page walks", threads.py's "walks" since round 78); then per launcher and guest the runs whose gzip
part is over --slow seconds (gzip's slow mode, rounds 75-76: ~7.0-7.5 s against ~5.3-5.6) and those whose walks are
over --episode (a TLB conflict episode: round 72; a run without one makes ~2-3 M walks to BENCH-DONE, most of them in
the fork phase). Round 78 (gzip78): the slow mode is such an episode.

  python3 bench/cpu/slow-runs.py bench/results/round78-gzip78/slot/R*.json [--slow 6.3] [--episode 5000000]
"""
import argparse, collections, json, re

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--slow", type=float, default=6.3)
ap.add_argument("--episode", type=int, default=5_000_000)
a = ap.parse_args()


def part(r, s, e):
    x, y = r.get(s + "_cpu"), r.get(e + "_cpu")
    return y["run"] - x["run"] if x and y else None


def rnd(f):
    m = re.search(r"R(\d+)", f)
    return int(m.group(1)) if m else 0


fmt = lambda v: "-" if v is None else f"{v:.2f}"
tally = collections.defaultdict(lambda: [0, 0, 0, 0])  # runs, slow, episodes, slow with an episode
print("round launcher guest: gzip part, compute, fork (run-thread CPU s); page walks")
for f in sorted(a.files, key=rnd):
    for name, runs in json.load(open(f)).items():
        for r in runs:
            gz, w = part(r, "s256", "cend"), r.get("walks")
            slow, ep = gz is not None and gz > a.slow, w is not None and w > a.episode
            t = tally[(name, r.get("guest", "?"))]
            t[0] += 1; t[1] += slow; t[2] += ep; t[3] += slow and ep
            print(f"R{rnd(f)} {name} {r.get('guest')}: {fmt(gz)}, {fmt(part(r, 'cstart', 'cend'))}, "
                  f"{fmt(part(r, 'fstart', 'fend'))}; {'-' if w is None else f'{w:,}'}{' SLOW' if slow else ''}{' EPISODE' if ep else ''}"
                  + ("" if r.get("exit") == 0 else f" exit {r.get('exit')}"))
for (name, g), (n, s, e, se) in sorted(tally.items()):
    print(f"{name} {g}: {n} runs, {s} with gzip's part over {a.slow} s, {e} with over {a.episode:,} walks, {se} both")
