#!/usr/bin/env python3
"""Every phase of the CPU benchmark with the hot tier's log: each phase's CPU per thread, and the hot-tier events in it.

For each round and each launcher (NAME=PATH[,JAVA_OPT,...], as compute-ab.py), boots one of bench/cpu's guests with
`--stats --cpu jit --exit-on "BENCH-INFO forks"` (the whole benchmark: boot, modules, compute, fork) and the JVM option
-Dvmckpt.jit.hotLog=true (plus the launcher's; DIAG overrides the diagnostic options), timestamps every line on arrival,
reads the JVM threads' CPU (run thread, C1, C2, translator) at each of the guest's marks, and assigns each hot-tier event
(decided with its unit's runs, kept out by the run-length rule, built, installed) to the phase it arrived in. Prints per
run one line per phase (wall, run thread, C1, C2, translator CPU; units decided, kept out, installed in it), the
instructions per run of the units decided or kept out in the fork phase, and the --stats line; writes each run's whole
log to DIR/NAME-ROUND.log. Not a test: figures for docs/BENCHMARKS.md (round 33, jit19fork).

  python3 bench/cpu/phase-hot.py 2 --guest signed --dir /tmp/phase-hot --launcher main=./vmckpt \\
      --launcher minrun=./vmckpt,-Dvmckpt.jit.hotMinRun=100
"""
import argparse
import json
import os
import re
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

threads = import_module("threads")
BENCH = os.path.expanduser("~/.cache/vmckpt/bench-cpu")
DIAG = os.environ.get("DIAG", "-Dvmckpt.jit.hotLog=true")
MARKS = ["BENCH-INIT", "BENCH-MARK modules-start", "BENCH-MARK modules-end", "BENCH-MARK compute-start",
         "BENCH-MARK sha256-end", "BENCH-MARK compute-end", "BENCH-MARK fork-start", "BENCH-MARK fork-end"]
PHASES = [("boot", None, "BENCH-INIT"), ("modules", "BENCH-MARK modules-start", "BENCH-MARK modules-end"),
          ("sha256", "BENCH-MARK compute-start", "BENCH-MARK sha256-end"),
          ("gzip", "BENCH-MARK sha256-end", "BENCH-MARK compute-end"),
          ("fork", "BENCH-MARK fork-start", "BENCH-MARK fork-end")]
EVENT = re.compile(r"vmckpt-hot (decided|short runs|built|installed)(?: \((\d+) runs)?.*? key ([0-9a-f]+) at ([0-9.-]+) M: "
                   r"unit \S+ \((\d+) insns")


def run_once(launcher, opts, guest, name, logpath):
    cmd = [launcher, "run", "--kernel", os.path.join(threads.GUEST, "Image"), "--initrd",
           os.path.join(BENCH, guest, "initramfs.cpio.gz"), "--append", open(os.path.join(threads.GUEST, "cmdline")).read().strip(), "--mem", "1G", "--no-rng", "--stats",
           "--cpu", "jit", "--name", name, "--exit-on", "BENCH-INFO forks"]
    env = dict(os.environ)
    env["VMCKPT_JAVA_OPTS"] = (opts + " " + DIAG).strip()

    def cpu_at(pid, tag, line):
        return threads.group(threads.thread_cpu(pid)) if tag == "out" and any(line.startswith(m) for m in MARKS) else None

    def render(cpu):
        return f" run={cpu['run']:.2f} c1={cpu['C1']:.2f} c2={cpu['C2']:.2f} tr={cpu['translator']:.2f}"

    return threads.run_stamped(cmd, env, logpath, cpu_at, render)


def summarise(lines):
    marks = {}
    for now, tag, cpu, line in lines:
        for m in MARKS:
            if tag == "out" and line.startswith(m) and cpu:
                marks[m] = (now, cpu)
    zero = {"run": 0.0, "C1": 0.0, "C2": 0.0, "translator": 0.0}
    r = {"phases": {}, "events": []}
    for now, tag, cpu, line in lines:
        m = EVENT.search(line) if tag == "err" else None
        if m:
            r["events"].append({"t": now, "what": m.group(1), "runs": int(m.group(2)) if m.group(2) else None,
                                "key": m.group(3), "instret_m": m.group(4), "insns": int(m.group(5))})
        if "of instructions run translated" in line:
            r["stats"] = line.strip()
    for ph, start, end in PHASES:
        if (start is not None and start not in marks) or end not in marks:
            continue
        t0, c0 = marks[start] if start else (0.0, zero)
        t1, c1 = marks[end]
        evs = [e for e in r["events"] if t0 <= e["t"] < t1]
        r["phases"][ph] = {"wall": t1 - t0, **{k: c1[k] - c0[k] for k in zero},
                           **{w.replace(" ", "_"): sum(1 for e in evs if e["what"] == w)
                              for w in ("decided", "short runs", "installed")}}
    if "BENCH-MARK fork-start" in marks and "BENCH-MARK fork-end" in marks:
        t0, t1 = marks["BENCH-MARK fork-start"][0], marks["BENCH-MARK fork-end"][0]
        r["fork_events"] = [e for e in r["events"] if t0 <= e["t"] < t1 and e["what"] in ("decided", "short runs", "installed")]
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int)
    ap.add_argument("--guest", default="signed")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--json")
    ap.add_argument("--launcher", action="append", required=True, help="NAME=PATH[,JAVA_OPT,...]")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, guest {args.guest}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    results = {}
    for i in range(args.runs):
        for spec in args.launcher:
            name, _, rest = spec.partition("=")
            path, _, opts = rest.partition(",")
            load = os.getloadavg()[0]
            lines, rc = run_once(os.path.abspath(path), opts.replace(",", " "), args.guest,
                                 f"phase-hot-{os.getpid()}-{name}", os.path.join(args.dir, f"{name}-{i + 1}.log"))
            r = summarise(lines)
            r["load"], r["exit"] = load, rc
            results.setdefault(name, []).append(r)
            print(f"{name} round {i + 1}, load {load:.2f}, exit {rc}:", flush=True)
            for ph, v in r["phases"].items():
                print(f"  {ph:>8}: wall {v['wall']:6.2f} s, run {v['run']:5.2f} C1 {v['C1']:4.2f} C2 {v['C2']:4.2f} "
                      f"tr {v['translator']:4.2f} | decided {v['decided']}, kept out {v['short_runs']}, "
                      f"installed {v['installed']}", flush=True)
            for e in r.get("fork_events", []):
                per = f", {20_000_000 // e['runs']} insns/run" if e["runs"] else ""
                print(f"    fork: {e['what']} {e['key']} ({e['insns']} insns{per}) at {e['instret_m']} M", flush=True)
            print("  " + r.get("stats", "no stats"), flush=True)
    print(f"# medians (load average now {os.getloadavg()[0]:.2f}): wall / run thread, s")
    for name, rs in results.items():
        cells = []
        for ph, _, _ in PHASES:
            v = [r["phases"][ph] for r in rs if ph in r["phases"]]
            if v:
                cells.append(f"{ph} {statistics.median(x['wall'] for x in v):.2f} / {statistics.median(x['run'] for x in v):.2f}")
        print(f"{name:>10}: " + ", ".join(cells) + f" ({len(rs)} runs)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
