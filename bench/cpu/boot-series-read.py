#!/usr/bin/env python3
"""Reads bench/cpu/boot-series.py's JSON: every boot in run order, then the slow boots (run-thread CPU at BENCH-INIT
over 1.15x the median of all the file's boots, or of each launcher's with --per-launcher) against the others: the
canaries around them, the host's CPU outside the JVM, the run thread's involuntary context switches, page faults,
C1 CPU per unit, and, where the boots were recorded with PERF=DIR, the run thread's samples by kind of code (our
interpreter's fast loop, its general loop, C1 units, hot units, Hart.run, the Mmu, the code cache, HotSpot's own
interpreter, the JVM, the kernel) and, with JITLOG=1, when C2 first compiled InterpreterFastLoop.run, Hart.run,
Interpreter.interpret and interpretEach (JVM uptime, ms; % an OSR compile) and which of our C2 methods were made not
entrant (round 67).

  python3 bench/cpu/boot-series-read.py OUT.json[.gz] [--per-launcher]
"""
import collections
import gzip
import json
import re
import statistics
import subprocess
import sys

SLOW = 1.15


def perf_kinds(path):
    """The run thread's (comm "java") samples in a perf record, by kind of code."""
    out = subprocess.run(["perf", "report", "-i", path, "--comms", "java", "--sort", "dso,sym", "-n", "--stdio"],
                         capture_output=True, text=True).stdout
    c = collections.Counter()
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+(\[JIT\] tid \d+|\S+)\s+\[(.)\]\s+(.*)", line)
        if not m:
            continue
        n, dso, sym = int(m.group(2)), m.group(3), m.group(5).strip()
        if m.group(4) == "k":
            k = "kernel"
        elif "HotUnit" in sym:
            k = "hot units"
        elif ".Unit" in sym:
            k = "C1 units"
        elif "InterpreterFastLoop" in sym:
            k = "fast loop"
        elif "cpu.Interpreter." in sym:
            k = "interpreter"
        elif sym == "Interpreter":
            k = "HotSpot interp"
        elif "Hart.run" in sym:
            k = "Hart.run"
        elif "cpu.Mmu" in sym:
            k = "Mmu"
        elif "cpu.CodeCache" in sym:
            k = "CodeCache"
        elif "libjvm" in dso:
            k = "JVM"
        else:
            k = "other"
        c[k] += n
    return c


KEY = ("InterpreterFastLoop::run", "Hart::run", "Interpreter::interpret", "Interpreter::interpretEach")


def jit_summary(r):
    """With JITLOG: the uptime (ms) of each key method's first C2 compile (OSR marked %), and how many C2 methods of
    ours were made not entrant."""
    if "jit" not in r:
        return ""
    first = {}
    for t, lvl, osr, meth, ne in r["jit"]:
        short = meth.split(".")[-1]
        if lvl == 4 and not ne and short in KEY and short not in first:
            first[short] = f"{'%' if osr else ''}{t}"
    ne4 = [j[3].split(".")[-1] for j in r["jit"] if j[1] == 4 and j[4]]
    return " C2 " + ",".join(first.get(k, "-") for k in KEY) + f" NE4 {len(ne4)}" + (f" ({' '.join(sorted(set(ne4)))})" if ne4 else "")


def corr(pairs):
    """Pearson's r of (x, y) pairs (nan under 3 or without spread)."""
    if len(pairs) < 3:
        return float("nan")
    mx, my = statistics.mean(p[0] for p in pairs), statistics.mean(p[1] for p in pairs)
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    sx = sum((x - mx) ** 2 for x, _ in pairs) ** 0.5
    sy = sum((y - my) ** 2 for _, y in pairs) ** 0.5
    return sxy / (sx * sy) if sx and sy else float("nan")


def perf_cpus(path):
    """The run thread's samples on each CPU (recorded with --sample-cpu)."""
    out = subprocess.run(["perf", "report", "-i", path, "--sort", "comm,cpu", "-n", "--stdio"],
                         capture_output=True, text=True).stdout
    c = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(\d+)\s+java\s+(\d+)\s*$", line)
        if m:
            c[int(m.group(3))] = int(m.group(2))
    return c


def translated_pct(r):
    """--stats' share of the instructions run translated (to the exit at modules-start)."""
    for l in r.get("stats", []):
        if "of instructions run translated" in l:
            return float(l.split("translator: ")[1].split("%")[0])
    return None


def main():
    d = json.load(gzip.open(sys.argv[1], "rt") if sys.argv[1].endswith(".gz") else open(sys.argv[1]))
    per = "--per-launcher" in sys.argv
    rs = [r for r in d if r.get("init_cpu")]
    meds = {}
    for name in {r["name"] for r in rs}:
        meds[name] = statistics.median(r["init_cpu"]["run"] for r in rs if r["name"] == name or not per)
    kinds = {}
    for r in rs:
        if r.get("perf"):
            try:
                kinds[id(r)] = perf_kinds(r["perf"])
                r["perf_cpus"] = perf_cpus(r["perf"])
            except OSError:
                pass
    print(f"{len(rs)} boots; medians of the boot's run thread: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(meds.items())))
    for r in rs:
        ic = r["init_cpu"]
        slow = ic["run"] > SLOW * meds[r["name"]]
        k = kinds.get(id(r), {})
        print(f"{r['t']} {r['name']:>5} r{r['round']:<3d} load {r['load']:5.2f} run {ic['run']:4.2f}{' SLOW' if slow else '     '} "
              f"C1 {ic['C1']:4.2f} C2 {ic['C2']:4.2f} tr {ic['translator']:4.2f} gc {ic['gc']:4.2f} wait {ic['run-wait']:4.2f} "
              f"units {r.get('units')} {translated_pct(r)}% other {r.get('sys_other_s', float('nan')):5.2f} "
              f"({', '.join(f'{n} {c}' for c, n, q in r.get('top_others', [])[:2])}) nvcs {(r.get('ctxsw') or [0, 0])[1]:5d} "
              f"canary alu {r['canary_before'][0]:.3f}/{r['canary_after'][0]:.3f} mem {r['canary_before'][1]:.3f}/{r['canary_after'][1]:.3f}"
              + (f" pair {sum(c[0] for c in r['canary_pair']) / 2:.3f}/{sum(c[1] for c in r['canary_pair']) / 2:.3f}" if "canary_pair" in r else "")
              + (f" cpu1 {r['canary_after_cpu1'][0]:.3f}/{r['canary_after_cpu1'][1]:.3f}" if "canary_after_cpu1" in r else "")
              + (f" run on cpu0 {r['perf_cpus'].get(0, 0) / max(1, sum(r['perf_cpus'].values())):.2f}" if r.get("perf_cpus") else "")
              + jit_summary(r) + (" | " + " ".join(f"{a}={b}" for a, b in k.most_common(7)) if k else ""))
    groups = {True: [], False: []}
    for r in rs:
        groups[r["init_cpu"]["run"] > SLOW * meds[r["name"]]].append(r)

    def med(g, f):
        v = [f(r) for r in g]
        v = [x for x in v if x is not None]
        return statistics.median(v) if v else float("nan")
    figs = [("boot run", lambda r: r["init_cpu"]["run"]), ("C1", lambda r: r["init_cpu"]["C1"]),
            ("C1 per unit ms", lambda r: 1000 * r["init_cpu"]["C1"] / max(1, r.get("units") or 1)),
            ("translator", lambda r: r["init_cpu"]["translator"]), ("gc", lambda r: r["init_cpu"]["gc"]),
            ("run-wait", lambda r: r["init_cpu"]["run-wait"]), ("first insn", lambda r: r.get("first_insn_s")),
            ("units", lambda r: r.get("units")), ("translated %", translated_pct), ("host CPU outside the JVM", lambda r: r.get("sys_other_s")),
            ("involuntary switches", lambda r: (r.get("ctxsw") or [None, None])[1]),
            ("page faults (host)", lambda r: r.get("vm_delta", {}).get("pgfault")),
            ("THP MB at /init", lambda r: r.get("mem", {}).get("AnonHugePages", 0) / 1024),
            ("canary alu (mean of 2)", lambda r: (r["canary_before"][0] + r["canary_after"][0]) / 2),
            ("canary mem (mean of 2)", lambda r: (r["canary_before"][1] + r["canary_after"][1]) / 2),
            ("canary cpu1 alu (after)", lambda r: r["canary_after_cpu1"][0] if "canary_after_cpu1" in r else None),
            ("canary cpu1 mem (after)", lambda r: r["canary_after_cpu1"][1] if "canary_after_cpu1" in r else None),
            ("run thread's share on cpu0", lambda r: r["perf_cpus"].get(0, 0) / max(1, sum(r["perf_cpus"].values())) if r.get("perf_cpus") else None),
            ("canary pair alu (mean)", lambda r: (r["canary_pair"][0][0] + r["canary_pair"][1][0]) / 2 if "canary_pair" in r else None),
            ("canary pair mem (mean)", lambda r: (r["canary_pair"][0][1] + r["canary_pair"][1][1]) / 2 if "canary_pair" in r else None)]
    for kind in ("fast loop", "interpreter", "C1 units", "hot units", "Hart.run", "Mmu", "CodeCache", "HotSpot interp", "JVM", "kernel", "other"):
        figs.append((f"perf: {kind}", lambda r, kind=kind: kinds[id(r)][kind] if id(r) in kinds else None))
    print(f"\n{'median':26s} {'slow (%d)' % len(groups[True]):>10s} {'others (%d)' % len(groups[False]):>12s}   correlation with the boot's run thread over all boots")
    for name, f in figs:
        pairs = [(r["init_cpu"]["run"], f(r)) for r in rs if f(r) is not None]
        print(f"{name:26s} {med(groups[True], f):10.3f} {med(groups[False], f):12.3f}   {corr(pairs):+.2f}")
    seq = [r["init_cpu"]["run"] > SLOW * meds[r["name"]] for r in rs]
    after = [b for a, b in zip(seq, seq[1:]) if a]
    other = [b for a, b in zip(seq, seq[1:]) if not a]
    print(f"\nrun order: a slow boot after a slow one {sum(after)} of {len(after)}, after another {sum(other)} of {len(other)}; "
          f"slow boots by launcher: " + ", ".join(f"{n} {sum(1 for r in groups[True] if r['name'] == n)} of {sum(1 for r in rs if r['name'] == n)}" for n in sorted(meds)))


if __name__ == "__main__":
    sys.exit(main())
