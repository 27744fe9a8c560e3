#!/usr/bin/env python3
"""Round 72, branch signed72: reads the slot's per-round JSON (bench/results/r72signed/R<r>-<s|d>.json, one pair each from
bench/cpu/threads.py 1 --canary) and prints every pair, then per guest and phase: pairs where c2d (this branch with
-Dvmckpt.jit.hotC2Direct=true) is lower than main, equal, the medians, the median of the differences, a two-sided sign
test, the same without the pairs whose canary flags a slow host (its CPU over 1.05x the slot's median canary), and the
first run of each launcher. Not a test: figures for docs/BENCHMARKS.md.

  python3 bench/results/pairs-round72-signed72.py bench/results/r72signed
"""
import glob, json, math, os, re, statistics, sys

d = sys.argv[1] if len(sys.argv) > 1 else "bench/results/r72signed"
rows = []  # (guest, round, {launcher: run dict}, order)
for f in glob.glob(os.path.join(d, "R*-*.json")):
    m = re.match(r"R(\d+)-([sd])\.json", os.path.basename(f))
    runs = json.load(open(f))
    if any(not v or v[0].get("exit") != 0 for v in runs.values()) or len(runs) < 2:
        print("# incomplete or failed:", f, {k: (v[0].get("exit") if v else None) for k, v in runs.items()})
        continue
    rows.append(("signed" if m.group(2) == "s" else "default", int(m.group(1)), {k: v[0] for k, v in runs.items()}, list(runs)))
rows.sort(key=lambda r: (r[0] != "signed", r[1]))
canaries = [c[0] for _, _, runs, _ in rows for v in runs.values() for c in v.get("canary", [])]
cmed = statistics.median(canaries) if canaries else 0


def phases(v):
    return {"boot run": v["init_cpu"]["run"], "boot wall": v["init_wall"],
            "modules run": v["modules_cpu"]["run"], "modules wall": v["mend_wall"] - v["mstart_wall"],
            "boot C1": v["init_cpu"]["C1"], "boot C2": v["init_cpu"]["C2"],
            "modules C1": v["modules_cpu"]["C1"], "modules C2": v["modules_cpu"]["C2"],
            "to modules-end run": v["mend_cpu"]["run"]}


def slow(runs):
    return any(c[0] > 1.05 * cmed for v in runs.values() for c in v.get("canary", []))


def sign_p(lo, hi):
    n = lo + hi
    if n == 0:
        return 1.0
    k = min(lo, hi)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n)


print(f"# canary median {cmed:.4f} s (slow host: a pair with a canary over {1.05 * cmed:.4f})")
print("# guest round order | main: boot run / modules run / boot wall / modules wall | c2d: the same | load | slow host")
for g, r, runs, order in rows:
    a, b = phases(runs["main"]), phases(runs["c2d"])
    print(f"{g:7s} R{r:<3d} {','.join(order):9s} | {a['boot run']:.2f} {a['modules run']:.2f} {a['boot wall']:.2f} {a['modules wall']:.2f}"
          f" | {b['boot run']:.2f} {b['modules run']:.2f} {b['boot wall']:.2f} {b['modules wall']:.2f}"
          f" | {runs['main']['load']:.2f} | {'slow' if slow(runs) else ''}")
for g in ("signed", "default"):
    rs = [x for x in rows if x[0] == g]
    if not rs:
        continue
    print(f"\n## {g}: {len(rs)} pairs ({sum(1 for x in rs if slow(x[2]))} with a slow-host canary)")
    print("| phase | pairs | c2d lower (equal) [quiet pairs] | median main / c2d | median of differences (c2d - main) [quiet] | sign test p |")
    print("|---|---|---|---|---|---|")
    for ph in phases(rs[0][2]["main"]):
        diffs = [(phases(x[2]["c2d"])[ph] - phases(x[2]["main"])[ph], slow(x[2])) for x in rs]
        lo = sum(1 for dd, _ in diffs if dd < -1e-9); eq = sum(1 for dd, _ in diffs if abs(dd) <= 1e-9); hi = len(diffs) - lo - eq
        q = [dd for dd, s in diffs if not s]
        qlo = sum(1 for dd in q if dd < -1e-9)
        ma = statistics.median(phases(x[2]["main"])[ph] for x in rs); mb = statistics.median(phases(x[2]["c2d"])[ph] for x in rs)
        print(f"| {g} {ph} | {len(rs)} | {lo} ({eq}) [{qlo} of {len(q)}] | {ma:.2f} / {mb:.2f} | {statistics.median(d for d, _ in diffs):+.3f}"
              f" [{(statistics.median(q) if q else float('nan')):+.3f}] | {sign_p(lo, hi):.3f} |")
    first = rs[0]
    for k in ("main", "c2d"):
        p = phases(first[2][k])
        print(f"first run ({g} R{first[1]}, {k}): boot run {p['boot run']:.2f} / wall {p['boot wall']:.2f}, modules run {p['modules run']:.2f} / wall {p['modules wall']:.2f}")
    for k in ("main", "c2d"):
        nc = [x[2][k].get("nocode") for x in rs]
        print(f"{k}: hot builds waiting without code at the mark, per run: {nc}")
