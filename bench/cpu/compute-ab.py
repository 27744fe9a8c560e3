#!/usr/bin/env python3
"""The CPU benchmark's user-space compute phase, A/B interleaved: run-thread and C1/C2 CPU between the marks.

For each round and each launcher (NAME=PATH[,JAVA_OPT,...], as bench/cpu/phase-ab.sh), boots bench/cpu's guest
(default: "default") with `LAUNCHER run ... --stats --cpu jit --exit-on "BENCH-INFO sha256"` and, when each of the
guest's lines BENCH-INIT, compute-start, sha256-end and compute-end arrives on the host, reads the JVM threads' CPU
times from /proc/PID/task/*/stat (the run thread is the JVM's main thread, "java"). Prints one line per run: the
boot (spawn to BENCH-INIT: wall and run-thread CPU), the compute phase's wall and run-thread CPU, its sha256 and
gzip parts, and the C1/C2 CPU spent during the phase; then medians per launcher. Not a test: figures for
docs/BENCHMARKS.md. Run bench/cpu.sh (or bench/cpu/build-guests.sh) once first so that the guests exist.

  python3 bench/cpu/compute-ab.py 4 --launcher main=/tmp/mainroot/vmckpt --launcher new=./vmckpt
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hotstats import no_code  # noqa: E402

BENCH = os.path.expanduser("~/.cache/vmckpt/bench-cpu")
# The kernel and its command line are the default guest's (bench-cpu/NAME holds only the initramfs), as run.py takes them.
GUEST = os.path.expanduser("~/.cache/vmckpt/guest")
TICK = os.sysconf("SC_CLK_TCK")
MARKS = {"BENCH-INIT": "init", "BENCH-MARK compute-start": "cs", "BENCH-MARK sha256-end": "se",
         "BENCH-MARK compute-end": "ce"}


def threads_cpu(pid):
    """(run thread, C1, C2) CPU seconds of a live process."""
    run = c1 = c2 = 0.0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return None
    for t in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
        except FileNotFoundError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        f = stat[stat.rindex(")") + 2:].split()
        s = (int(f[11]) + int(f[12])) / TICK
        if name == "java":
            run += s
        elif name.startswith("C1 Compiler"):
            c1 += s
        elif name.startswith("C2 Compiler"):
            c2 += s
    return run, c1, c2


def run_once(launcher, opts, guest, name):
    d = os.path.join(BENCH, guest)
    cmd = [launcher, "run", "--kernel", os.path.join(GUEST, "Image"), "--initrd", os.path.join(d, "initramfs.cpio.gz"),
           "--append", open(os.path.join(GUEST, "cmdline")).read().strip(), "--mem", "1G", "--no-rng", "--stats",
           "--cpu", "jit", "--name", name, "--exit-on", "BENCH-INFO sha256"]
    env = dict(os.environ)
    env["VMCKPT_JAVA_OPTS"] = opts
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    err = []
    reader = threading.Thread(target=lambda: err.extend(p.stderr.read().decode(errors="replace").splitlines()))
    reader.start()
    r = {}
    for raw in p.stdout:
        line = raw.decode(errors="replace").strip()
        for m, key in MARKS.items():
            if line.startswith(m):
                r[key] = (time.monotonic() - t0,) + (threads_cpu(p.pid) or (float("nan"),) * 3)
    p.wait()
    reader.join()
    for line in err:
        if "of instructions run translated" in line:
            r["stats"] = line
            r["nocode"] = no_code(line)
            hot = line.split("hot tier (C2): ")
            r["promoted"] = int(hot[1].split()[0]) if len(hot) > 1 else 0
            if len(hot) > 1 and "built" in hot[1]:
                r["hot"] = hot[1].split(" promoted, ", 1)[-1].strip()  # dropped, built, waiting, deferred
    r["exit"] = p.returncode
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int)
    ap.add_argument("--guest", default="default")
    ap.add_argument("--launcher", action="append", required=True, help="NAME=PATH[,JAVA_OPT,...]")
    ap.add_argument("--json")
    args = ap.parse_args()
    launchers = []
    for spec in args.launcher:
        name, _, rest = spec.partition("=")
        path, _, opts = rest.partition(",")
        launchers.append((name, os.path.abspath(path), opts.replace(",", " ")))
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, guest {args.guest}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    results = {n: [] for n, _, _ in launchers}
    for i in range(args.runs):
        for name, path, opts in launchers:
            load = os.getloadavg()[0]
            r = run_once(path, opts, args.guest, f"compute-ab-{os.getpid()}-{name}")
            r["load"] = load
            results[name].append(r)
            if not all(k in r for k in ("init", "cs", "se", "ce")):
                print(f"{name:>10} round {i + 1} load {load:5.2f}: marks missing (exit {r['exit']})", flush=True)
                continue
            r["boot_wall"], r["boot_run"] = r["init"][0], r["init"][1]
            r["wall"], r["run"] = r["ce"][0] - r["cs"][0], r["ce"][1] - r["cs"][1]
            r["sha_wall"], r["sha_run"] = r["se"][0] - r["cs"][0], r["se"][1] - r["cs"][1]
            r["gzip_wall"], r["gzip_run"] = r["ce"][0] - r["se"][0], r["ce"][1] - r["se"][1]
            r["c1"], r["c2"] = r["ce"][2] - r["cs"][2], r["ce"][3] - r["cs"][3]
            print(f"{name:>10} round {i + 1} load {load:5.2f}: boot wall {r['boot_wall']:5.2f} run {r['boot_run']:5.2f} | "
                  f"compute wall {r['wall']:5.2f} run {r['run']:5.2f} (sha256 {r['sha_wall']:5.2f}/{r['sha_run']:5.2f}, "
                  f"gzip {r['gzip_wall']:5.2f}/{r['gzip_run']:5.2f}) C1 {r['c1']:4.2f} C2 {r['c2']:4.2f} | "
                  f"promoted {r.get('promoted', '?')}, no code {r.get('nocode', '?')}" + (f" ({r['hot']})" if "hot" in r else ""), flush=True)
    print(f"# medians (load average now {os.getloadavg()[0]:.2f})")
    for name in results:
        rs = [r for r in results[name] if "run" in r]
        if not rs:
            continue
        m = {k: statistics.median(r[k] for r in rs) for k in
             ("boot_wall", "boot_run", "wall", "run", "sha_wall", "sha_run", "gzip_wall", "gzip_run", "c1", "c2")}
        print(f"{name:>10}: boot wall {m['boot_wall']:.2f} run {m['boot_run']:.2f} | compute wall {m['wall']:.2f} "
              f"run {m['run']:.2f} (sha256 {m['sha_wall']:.2f}/{m['sha_run']:.2f}, gzip {m['gzip_wall']:.2f}/"
              f"{m['gzip_run']:.2f}) C1 {m['c1']:.2f} C2 {m['c2']:.2f} ({len(rs)} runs)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
