#!/usr/bin/env python3
"""A boot's start, A/B (a benchmark, not a test): interleaved `vmckpt run` boots of the CPU benchmark's default guest
(bench/cpu/build-guests.sh, ~/.cache/vmckpt/bench-cpu/default, 1 GiB, as bench/cpu/run.py boots it) to the first line
of its /init, each by a launcher with its own environment, in alternating order (A B C, then C B A, ...).

    bench/start-ab.py N NAME=LAUNCHER[,VAR=VALUE...] [NAME=LAUNCHER...] [--guest default|signed]

e.g. main=/tmp/mainroot63/vmckpt fit=./vmckpt,VMCKPT_HEAP=fit "pf=./vmckpt,VMCKPT_HEAP=fit,VMCKPT_JAVA_OPTS=-Dvmckpt.run.prefault=true".

Per run: spawn -> "BENCH-INIT" wall time (ms, as bench/cpu/run.py's boot phase), the JVM's start -> the guest's first
instruction (the sum of `--stats`' start-up line, ms) and its parts (JVM: the JVM's start to main; options, machine,
boot files, checkpoint engine, control socket), and the whole process's minor page faults and CPU (user + system, from
its rusage; the process exits at the marker: --exit-on). Then per variant the first (cold) run on its own line, the
medians, and per pair of variants in how many rounds the second was lower. Python 3 standard library only.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vmckpt")
MARKER = "BENCH-INIT"
STARTUP = re.compile(r"start-up: (.*)")
PART = re.compile(r"([a-zA-Z ]+?) (\d+) ms")


def boot(launcher, env_extra, guest):
    g = os.path.join(CACHE, "guest")
    cmdline = open(os.path.join(g, "cmdline")).read().strip()
    cmd = [launcher, "run", "--kernel", os.path.join(g, "Image"),
           "--initrd", os.path.join(CACHE, "bench-cpu", guest, "initramfs.cpio.gz"),
           "--append", cmdline, "--mem", "1G", "--no-rng", "--stats", "--name", f"start-ab-{os.getpid()}",
           "--exit-on", MARKER]
    env = dict(os.environ, XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="start-ab-"))
    env.pop("VMCKPT_HEAP", None)
    env.pop("VMCKPT_JAVA_OPTS", None)
    env.update(env_extra)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    marker = None
    for raw in iter(p.stdout.readline, b""):
        if marker is None and MARKER in raw.decode("utf-8", "replace"):
            marker = (time.monotonic() - t0) * 1000
    err = p.stderr.read().decode("utf-8", "replace")
    _, status, ru = os.wait4(p.pid, 0)
    r = {"marker": marker, "faults": ru.ru_minflt, "cpu": (ru.ru_utime + ru.ru_stime) * 1000, "status": status}
    m = STARTUP.search(err)
    if m:
        parts = {k.strip(): int(v) for k, v in PART.findall(m.group(1))}
        r["parts"] = parts
        r["first"] = sum(parts.values())
    if marker is None or "first" not in r:
        r["problem"] = err[-500:]
    return r


def line(name, i, r):
    if "problem" in r:
        return f"{name:8s} #{i}: PROBLEM {r['problem']!r}"
    parts = ", ".join(f"{k} {v}" for k, v in r["parts"].items())
    return (f"{name:8s} #{i}: spawn->{MARKER} {r['marker']:.0f} ms, JVM start->first instruction {r['first']} ms "
            f"({parts}), faults {r['faults']}, CPU {r['cpu']:.0f} ms")


def main():
    args = sys.argv[1:]
    guest = "default"
    if "--guest" in args:
        i = args.index("--guest")
        guest = args[i + 1]
        del args[i:i + 2]
    if len(args) < 2:
        sys.exit(__doc__)
    n = int(args[0])
    variants = []
    for spec in args[1:]:
        name, _, rest = spec.partition("=")
        fields = rest.split(",")
        launcher = os.path.abspath(fields[0])
        env = {}
        for f in fields[1:]:
            k, _, v = f.partition("=")
            env[k] = v
        variants.append((name, launcher, env))
    print(f"# start-ab {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()[0]:.2f}, "
          f"guest {guest}, {n} rounds: " + "; ".join(f"{v[0]}={v[1]} {v[2]}" for v in variants), flush=True)
    res = {v[0]: [] for v in variants}
    for i in range(n):
        order = variants if i % 2 == 0 else list(reversed(variants))
        for name, launcher, env in order:
            r = boot(launcher, env, guest)
            res[name].append(r)
            print(line(name, i + 1, r), flush=True)
        print(f"# round {i + 1} done {time.strftime('%H:%M:%S', time.gmtime())} UTC, load {os.getloadavg()[0]:.2f}", flush=True)
    print("\n## First (cold) run of each variant")
    for name, _, _ in variants:
        print(line(name, 1, res[name][0]))
    print("\n## Medians (all rounds)")
    keys = [("marker", f"spawn->{MARKER}"), ("first", "JVM start->first instruction"), ("faults", "minor faults"), ("cpu", "process CPU")]
    for name, _, _ in variants:
        ok = [r for r in res[name] if "problem" not in r]
        if not ok:
            continue
        s = ", ".join(f"{label} {statistics.median(r[k] for r in ok):.0f}" for k, label in keys)
        parts = {}
        for r in ok:
            for k, v in r["parts"].items():
                parts.setdefault(k, []).append(v)
        s += "; parts: " + ", ".join(f"{k} {statistics.median(v):.0f}" for k, v in parts.items())
        print(f"{name:8s} ({len(ok)} runs): {s}")
    print("\n## Rounds where the second variant was lower than the first")
    for a in range(len(variants)):
        for b in range(a + 1, len(variants)):
            na, nb = variants[a][0], variants[b][0]
            pairs = [(x, y) for x, y in zip(res[na], res[nb]) if "problem" not in x and "problem" not in y]
            s = ", ".join(f"{label} {sum(1 for x, y in pairs if y[k] < x[k])} of {len(pairs)}" for k, label in keys)
            print(f"{nb} against {na}: {s}")


if __name__ == "__main__":
    main()
