#!/usr/bin/env python3
"""The compute phase's hot tier, run by run: what each hot unit went through and when, against the sha256/gzip split.

For each round and each launcher (NAME=PATH[,JAVA_OPT,...], as compute-ab.py), boots bench/cpu's guest with
`--stats --cpu jit --exit-on "BENCH-INFO sha256"` and the JVM options -Dvmckpt.jit.hotLog=true -XX:+PrintCompilation -XX:+DisplayVMOutputToStderr
(plus the launcher's; this JDK 17 has no deoptimization log tag: add -XX:+LogCompilation -XX:LogFile=F for the traps), timestamps every line of the JVM's output on arrival (seconds since
spawn) and reads the run thread's CPU at the guest's marks and at each hot-tier event. Writes each run's whole log to
DIR/NAME-ROUND.log and prints, per run: the sha256 and gzip parts' run-thread CPU, then each hot-tier build
(decided, built, installed: time, instret, its unit's and its build's class) with HotSpot's compiles of the build's
class (tier, time, "made not entrant"). Not a test: figures for docs/BENCHMARKS.md.

  python3 bench/cpu/hot-modes.py 3 --dir /tmp/hot-modes --launcher br=./vmckpt
"""
import argparse
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from importlib import import_module  # noqa: E402

cab = import_module("compute-ab")
threads = import_module("threads")
DIAG = os.environ.get("DIAG", "-Dvmckpt.jit.hotLog=true -XX:+PrintCompilation -XX:+DisplayVMOutputToStderr")


def huge_kib(pid):
    """The process's anonymous memory in transparent huge pages, KiB (smaps_rollup), or -1."""
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("AnonHugePages:"):
                return int(line.split()[1])
    except (FileNotFoundError, PermissionError):
        pass
    return -1


def run_once(launcher, opts, guest, name, logpath):
    d = os.path.join(cab.BENCH, guest)
    cmd = [launcher, "run", "--kernel", os.path.join(cab.GUEST, "Image"), "--initrd", os.path.join(d, "initramfs.cpio.gz"),
           "--append", open(os.path.join(cab.GUEST, "cmdline")).read().strip(), "--mem", "1G", "--no-rng", "--stats",
           "--cpu", "jit", "--name", name, "--exit-on", "BENCH-INFO sha256"]
    env = dict(os.environ)
    env["VMCKPT_JAVA_OPTS"] = (opts + " " + DIAG).strip()

    def cpu_at(pid, tag, line):
        if not (tag == "err" and line.startswith("vmckpt-hot") or any(line.startswith(m) for m in cab.MARKS)):
            return None
        cpu = cab.threads_cpu(pid)
        return cpu + (huge_kib(pid),) if cpu and tag == "out" else cpu

    def render(cpu):
        return f" run={cpu[0]:.2f} c2={cpu[2]:.2f}" + (f" thp={cpu[3] // 1024}M" if len(cpu) > 3 else "")

    spawned = [(0.0, "host", None, f"spawned at {time.time():.3f} (seconds since the epoch)")]
    return threads.run_stamped(cmd, env, logpath, cpu_at, render, spawned)


def summarise(lines):
    marks = {}
    for now, tag, cpu, line in lines:
        for m, key in cab.MARKS.items():
            if line.startswith(m) and cpu:
                marks[key] = (now, cpu)
    out = []
    if all(k in marks for k in ("cs", "se", "ce")):
        sha = marks["se"][1][0] - marks["cs"][1][0]
        gz = marks["ce"][1][0] - marks["se"][1][0]
        boot = marks["init"][1][0] if "init" in marks else float("nan")
        out.append(f"  compute-start at {marks['cs'][0]:.2f} s, sha256-end {marks['se'][0]:.2f}, compute-end "
                   f"{marks['ce'][0]:.2f}; run thread boot {boot:.2f} s, sha256 {sha:.2f} s, gzip {gz:.2f} s; C2 in the phase "
                   f"{marks['ce'][1][2] - marks['cs'][1][2]:.2f} s; huge pages at compute-start {marks['cs'][1][3] // 1024} MiB")
    else:
        out.append("  marks missing")
    classes = {}
    for now, tag, cpu, line in lines:
        if line.startswith("vmckpt-hot"):
            m = re.search(r"build (\S+HotUnit/0x[0-9a-f]+)", line)
            out.append(f"  {now:7.2f} s run {cpu[0]:6.2f} | {line[11:]}")
            if m:
                classes[m.group(1)] = True
    for now, tag, cpu, line in lines:
        if "HotUnit" in line and not line.startswith("vmckpt-hot"):
            out.append(f"  {now:7.2f} s | {line.strip()}")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int)
    ap.add_argument("--guest", default="default")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--launcher", action="append", required=True, help="NAME=PATH[,JAVA_OPT,...]")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, guest {args.guest}, "
          f"load average {os.getloadavg()[0]:.2f}", flush=True)
    for i in range(args.runs):
        for spec in args.launcher:
            name, _, rest = spec.partition("=")
            path, _, opts = rest.partition(",")
            load = os.getloadavg()[0]
            lines, rc = run_once(os.path.abspath(path), opts.replace(",", " "), args.guest,
                                 f"hot-modes-{os.getpid()}-{name}", os.path.join(args.dir, f"{name}-{i + 1}.log"))
            print(f"{name} round {i + 1}, load {load:.2f}, exit {rc}:", flush=True)
            print("\n".join(summarise(lines)), flush=True)


if __name__ == "__main__":
    sys.exit(main())
