#!/usr/bin/env python3
"""The translator's and the JVM's counts by phase of the CPU benchmark, run by run (round 71): runs one of bench/cpu's
guests N times with -Dvmckpt.jit.counts=true (JitCounts: a line of running totals every 100 ms on stderr; plus the
launcher's own options), stamps every line (threads.py's run_once, which also reads every JVM thread's CPU at the
guest's marks) and splits the totals by the marks: per phase, the last line before its end mark less the last line
before its start mark. With --jvm-logs the JVM also logs its collections, its compilations (PrintCompilation's lines:
"made not entrant" is a deoptimisation) and its deoptimisations to files, with uptime stamps, which are split by
the same marks (the counts line carries the JVM's uptime). Untimed: counts only; the run-thread CPU per phase is
printed beside them to tell the runs' modes apart, not as a measure.

  python3 bench/cpu/jit-phases.py 8 --guest default --launcher x=./vmckpt --out DIR [--jvm-logs] [--mmu]
  python3 bench/cpu/jit-phases.py --from DIR          # the tables again from DIR's logs
  python3 bench/cpu/jit-phases.py --from DIR --from DIR2 --summary --phases boot,modules,compute,fork
      # round 72: per launcher (a run's name less its "-<i>") and phase, the counts' medians and ranges over the runs
"""
import argparse
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

PHASES = [("boot", None), ("init-mstart", "BENCH-INIT"), ("modules", "BENCH-MARK modules-start"),
          ("after-modules", "BENCH-MARK modules-end"), ("compute", "BENCH-MARK compute-start"),
          ("after-compute", "BENCH-MARK compute-end"), ("fork", "BENCH-MARK fork-start"), ("end", "BENCH-MARK fork-end")]
if os.environ.get("SPLIT_COMPUTE"):  # round 81: the compute phase in its two parts, "sha256" (compute-start to sha256-end) and "gzip"
    PHASES[4:5] = [("sha256", "BENCH-MARK compute-start"), ("gzip", "BENCH-MARK sha256-end")]


def parse(body):
    d = {}
    for tok in body.split()[1:]:
        k, _, v = tok.partition("=")
        if "/" in v:
            a, b = v.split("/")
            d[k + ".n"] = int(a)
            d[k + ".ms"] = int(b)
        else:
            try:
                d[k] = int(v)
            except ValueError:
                pass
    return d


def mmu_parse(body):
    import importlib
    mp = importlib.import_module("mmu-phases")
    return mp.parse(body)


def split(log):
    """{phase: {key: delta}} from a stamped log; also {phase: (uptime at start, uptime at end)}."""
    last, last_mmu = None, None
    at_start, mmu_start, order = {}, {}, []
    phase = "boot"
    pairs = {}  # phase -> {"kind old new": count} (MmuCounts' conflict pairs, -Dvmckpt.mmu.conflictPairs)
    at_start[phase] = None
    mmu_start[phase] = None
    order.append(phase)
    for line in open(log):
        body = line.split("| ", 1)[1].rstrip("\n") if "| " in line else ""
        for p, m in PHASES:
            if m and body.strip().startswith(m):
                phase = p
                at_start[phase] = last
                mmu_start[phase] = last_mmu
                order.append(phase)
        if body.startswith("vmckpt-jit "):
            last = parse(body)
        elif body.startswith("vmckpt-mmu "):
            last_mmu = mmu_parse(body)
        elif body.startswith("vmckpt-mmu-pair "):
            _, kind, old, new, cnt = body.split()
            d = pairs.setdefault(phase, {})
            d[f"{kind} {old} {new}"] = d.get(f"{kind} {old} {new}", 0) + int(cnt)
    out, spans = {}, {}
    out["_pairs"] = pairs
    for k, p in enumerate(order):
        end = at_start[order[k + 1]] if k + 1 < len(order) else last
        endm = mmu_start[order[k + 1]] if k + 1 < len(order) else last_mmu
        a = at_start[p] or {}
        if end:
            out[p] = {key: end[key] - a.get(key, 0) for key in end}
            spans[p] = (a.get("uptimeMs", 0), end.get("uptimeMs", 0))
        if endm:
            am = mmu_start[p] or {}
            for key in endm:
                out.setdefault(p, {})["mmu." + key] = endm[key] - am.get(key, 0)
    return out, spans


UPTIME = re.compile(r"^\[(\d+(?:\.\d+)?)s\]")


def jvm_log_counts(path, spans, patterns):
    """{phase: {name: count}} of lines of PATH (an -Xlog file with uptime stamps) matching each regex of PATTERNS."""
    out = {}
    if not os.path.exists(path):
        return out
    for line in open(path, errors="replace"):
        m = UPTIME.match(line)
        if not m:
            continue
        ms = float(m.group(1)) * 1000
        ph = None
        for p, (a, b) in spans.items():
            if a < ms <= b:
                ph = p
        if ph is None:
            continue
        for name, rx in patterns.items():
            if rx.search(line):
                out.setdefault(ph, {})[name] = out.get(ph, {}).get(name, 0) + 1
    return out


COMP = {"compiles": re.compile(r"^\[[^]]*\].*?\s\d+\s+\d+\s"), "notEntrant": re.compile(r"made not entrant"),
        "zombie": re.compile(r"made zombie"), "c2": re.compile(r"^\[[^]]*\]\s*(?:\[[^]]*\]\s*)*\s*\d+\s+\d+\s+[%sbn! ]*4\s"),
        "hartRunNE": re.compile(r"cpu\.Hart::run.*made not entrant"),
        "interpNE": re.compile(r"cpu\.(Interpreter|InterpreterFastLoop)::.*made not entrant"),
        "vmckptNE": re.compile(r"org\.vmckpt\..*made not entrant")}
SWEEP = {"sweep": re.compile(r"[Ss]weep")}
GC = {"pause": re.compile(r"Pause"), "full": re.compile(r"Pause Full")}

FORK_KEYS = ["runCpuNs", "instret", "translated", "units", "invalidated", "flushes", "unitRuns", "chained", "deferrals",
             "c1Leaves", "c1Rebuilds", "promotions", "hotBuilds", "stale", "queueFull", "bytecode", "gcCount", "gcMs",
             "compileMs", "classesLoaded", "classesUnloaded", "codeBytes", "mmu.load.misses", "mmu.store.misses",
             "mmu.fetch.misses", "mmu.walks.walks", "mmu.flushes.full"]


def table(runs, phase):
    """One line per run: the phase's counts, and its thread CPU (from run_once's marks)."""
    lines = []
    for name, r in runs:
        c = r["counts"].get(phase)
        if phase.startswith("_"):
            continue
        if not c:
            continue
        cpu = r.get("phase_cpu", {}).get(phase, {})
        interp = c.get("instret", 0) - c.get("translated", 0)
        f = [f"{name:>10}", f"run {cpu.get('run', float('nan')):5.2f}", f"C1 {cpu.get('C1', float('nan')):4.2f}",
             f"tr {cpu.get('translator', float('nan')):4.2f}", f"gc {cpu.get('gc', float('nan')):4.2f}",
             f"runCpu {c.get('runCpuNs', 0) / 1e9:5.2f}", f"insns {c.get('instret', 0) / 1e6:7.1f}M",
             f"interp {interp / 1e6:6.1f}M ({100.0 * interp / max(1, c.get('instret', 1)):4.1f}%)",
             f"ns/insn {c.get('runCpuNs', 0) / max(1, c.get('instret', 1)):5.2f}"]
        for k in FORK_KEYS[3:]:
            if k in c:
                f.append(f"{k} {c[k]}")
        for k, v in sorted(r.get("jvm", {}).get(phase, {}).items()):
            f.append(f"{k} {v}")
        lines.append(" ".join(f))
    return lines


SUMMARY = [("insns M", lambda c, p: c.get("instret", 0) / 1e6), ("interp M", lambda c, p: (c.get("instret", 0) - c.get("translated", 0)) / 1e6),
           ("interp %", lambda c, p: 100.0 * (c.get("instret", 0) - c.get("translated", 0)) / max(1, c.get("instret", 1))),
           ("units", lambda c, p: c.get("units")), ("hotBuilds", lambda c, p: c.get("hotBuilds")),
           ("promotions", lambda c, p: c.get("promotions")), ("c1Rebuilds", lambda c, p: c.get("c1Rebuilds")),
           ("deferrals", lambda c, p: c.get("deferrals")), ("unitRuns M", lambda c, p: c.get("unitRuns", 0) / 1e6),
           ("C1 cpu s", lambda c, p: p.get("C1")), ("run cpu s", lambda c, p: p.get("run"))]


def summary(runs, phases):
    """Lines: per launcher (a run's name less its "-<i>"), in the order first met, and phase: each count's median
    [min-max] over the launcher's runs (the CPU figures as well: untimed runs, to tell modes apart, not a measure)."""
    import statistics
    groups = {}
    for name, r in runs:
        groups.setdefault(name.rsplit("-", 1)[0], []).append(r)
    lines = []
    for ph in phases:
        lines.append(f"== {ph}: " + "  ".join(k for k, _ in SUMMARY) + "  (median [min-max] over the runs)")
        for g, rs in groups.items():
            f = []
            for k, fn in SUMMARY:
                v = [fn(r["counts"][ph], r.get("phase_cpu", {}).get(ph, {})) for r in rs if r["counts"].get(ph)]
                v = [x for x in v if x is not None]
                if not v:
                    f.append(f"{k} -")
                    continue
                fm = (lambda x: f"{x:.2f}") if "cpu" in k else (lambda x: f"{x:.1f}") if isinstance(v[0], float) else str
                f.append(f"{k} {fm(statistics.median(v))}" + (f" [{fm(min(v))}-{fm(max(v))}]" if len(v) > 1 else ""))
            lines.append(f"{g:>8} (n={len(rs)}): " + ", ".join(f))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int, nargs="?", default=0)
    ap.add_argument("--guest", default="default")
    ap.add_argument("--mark", default="BENCH-DONE")
    ap.add_argument("--launcher", action="append", default=[])
    ap.add_argument("--out", help="a directory for the runs' logs and the JSON")
    ap.add_argument("--from", dest="frm", action="append", help="read the logs of an earlier --out (repeatable)")
    ap.add_argument("--summary", action="store_true",
                    help="per launcher and phase: medians [min-max] of the counts over its runs, instead of run by run")
    ap.add_argument("--jvm-logs", action="store_true", help="also -Xlog gc, jit+compilation, deoptimization to files")
    ap.add_argument("--mmu", action="store_true", help="also -Dvmckpt.mmu.missCounts=true")
    ap.add_argument("--phases", default="fork,compute,boot")
    args = ap.parse_args()
    out = args.out or args.frm[0]
    os.makedirs(out, exist_ok=True)
    runs = []
    if args.frm:
        for d in args.frm:
            with open(os.path.join(d, "runs.json")) as f:
                runs += [(r["name"], r) for r in json.load(f)]
    else:
        k = 0
        for i in range(args.n):
            for spec in args.launcher:
                k += 1
                name, path, opts = threads.parse_launcher(spec)
                tag = f"{name}-{i + 1}"
                extra = " -Dvmckpt.jit.counts=true"
                if args.mmu:
                    extra += " -Dvmckpt.mmu.missCounts=true"
                if args.jvm_logs:
                    p = os.path.abspath(os.path.join(out, tag))
                    extra += (f" -Xlog:gc:file={p}.gc.log:uptime"
                              f" -Xlog:jit+compilation=debug,codecache+sweep*=debug:file={p}.comp.log:uptime")
                o = ((opts or "") + extra).strip()
                log = os.path.join(out, tag + ".log")
                r = threads.run_once(path, o, args.guest, args.mark, "jitph-" + str(os.getpid()) + "-" + str(k), logpath=log)
                r["name"] = tag
                r["log"] = log
                runs.append((tag, r))
                print(f"# {tag}: exit {r.get('exit')}", flush=True)
    for name, r in runs:
        counts, spans = split(r["log"])
        r["counts"] = counts
        r["spans"] = spans
        base = r["log"][:-4]
        jvm = {}
        for suffix, pats in ((".comp.log", COMP), (".comp.log", SWEEP), (".gc.log", GC)):
            for ph, d in jvm_log_counts(base + suffix, spans, pats).items():
                for kk, v in d.items():
                    jvm.setdefault(ph, {})[suffix.split(".")[1] + "." + kk] = v
        r["jvm"] = jvm
        pc = {}
        for ph, (s, e) in (("boot", (None, "init")), ("modules", ("mstart", "mend")), ("compute", ("cstart", "cend")),
                           ("fork", ("fstart", "fend"))):
            if s is None:
                if "init_cpu" in r:
                    pc[ph] = r["init_cpu"]
            else:
                c = threads.phase_cpu(r, s, e)
                if c:
                    pc[ph] = c
        r["phase_cpu"] = pc
    if not args.frm:
        json.dump([r for _, r in runs], open(os.path.join(out, "runs.json"), "w"), indent=1)
    if args.summary:
        for line in summary(runs, args.phases.split(",")):
            print(line)
        return
    for ph in args.phases.split(","):
        print(f"== {ph} ({args.guest})")
        for line in table(runs, ph):
            print(line)
        for name, r in runs:
            pp = r["counts"].get("_pairs", {}).get(ph)
            if pp:
                top = sorted(pp.items(), key=lambda x: -x[1])[:6]
                print(f"   {name} conflict pairs: " + "; ".join(f"{k} {v}" for k, v in top))


if __name__ == "__main__":
    main()
