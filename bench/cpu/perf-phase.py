#!/usr/bin/env python3
"""Where the compute phase's CPU goes, by code: perf samples of the JVM's "java" threads (the run thread) in its two parts.

  python3 bench/cpu/perf-phase.py LAUNCHER OUT [JAVA_OPT...]

Boots bench/cpu's guest (GUEST=default) with LAUNCHER and -XX:+DumpPerfMapAtExit, starts `perf record -e cpu-clock
-F 1999 -p PID` at the guest's line `BENCH-MARK compute-start`, a second one at `sha256-end`, and stops it at
`compute-end`: OUT.sha.data and OUT.gzip.data, read with `perf report -i OUT.gzip.data --comms java --sort sym`
(the JVM writes /tmp/perf-PID.map at exit, so units show by class: HotUnit (C2), UnitBg (C1), Hart.run...). The
guest's output goes to OUT.out, the marks' host times and load to OUT.marks. Not a test: figures for
docs/BENCHMARKS.md (round 23). Needs perf (software clock events are enough).
PHASE=modules (with GUEST=signed): the module phase instead, one recording from `BENCH-MARK modules-start` to
`modules-end`, OUT.modules.data (round 25).
PHASE=fork: the fork phase, one recording from `BENCH-MARK fork-start` to `fork-end`, OUT.fork.data (round 33).
PHASE=boot: the boot, one recording from the JVM's first compiler thread (the JVM's start after that included) to
`BENCH-INIT`, OUT.boot.data (round 35); threads the JVM makes later (the translator's) are not sampled.
"""
import os, sys, subprocess, time, signal, threading
L, OUT = sys.argv[1], sys.argv[2]
opts = " ".join(["-XX:+UnlockDiagnosticVMOptions", "-XX:+DumpPerfMapAtExit"] + sys.argv[3:])
cache = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
d = os.path.join(cache, "vmckpt/bench-cpu", os.environ.get("GUEST", "default"))
g = os.path.join(cache, "vmckpt/guest")  # the kernel and command line are the default guest's (as run.py takes them)
cmd = [L, "run", "--kernel", g + "/Image", "--initrd", d + "/initramfs.cpio.gz", "--append", open(g + "/cmdline").read().strip(),
       "--mem", "1G", "--no-rng", "--stats", "--cpu", "jit", "--name", "perf%d" % os.getpid(), "--exit-on", "BENCH-INFO sha256"]
MODULES = os.environ.get("PHASE") == "modules"
FORK = os.environ.get("PHASE") == "fork"
BOOT = os.environ.get("PHASE") == "boot"
MARKS = ((("BENCH-MARK modules-start", "modules"), ("BENCH-MARK modules-end", None)) if MODULES else
         (("BENCH-MARK fork-start", "fork"), ("BENCH-MARK fork-end", None)) if FORK else
         (("BENCH-MARK compute-start", "sha"), ("BENCH-MARK sha256-end", "gzip"), ("BENCH-MARK compute-end", None)))
if MODULES: cmd[-1] = "BENCH-MARK modules-end"
if FORK: cmd[-1] = "BENCH-INFO forks"
if BOOT: MARKS, cmd[-1] = (("BENCH-INIT", None),), "BENCH-INIT"
env = dict(os.environ); env["VMCKPT_JAVA_OPTS"] = opts
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=open(OUT + ".err", "w"), stdin=subprocess.DEVNULL, env=env)
def java_pid():
    # the launcher may exec java: p.pid is java, or find the child
    for pid in [p.pid] + [int(x) for x in subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True, text=True).stdout.split()]:
        try:
            if open(f"/proc/{pid}/comm").read().strip() == "java": return pid
        except FileNotFoundError: pass
    return p.pid
perf = None; tid0 = None; log = open(OUT + ".marks", "w"); so = open(OUT + ".out", "w")
if BOOT:  # from the JVM's first threads on (perf -p samples the threads that exist when it attaches: the run thread does)
    def jvm_started():
        try:
            return any(open(f"/proc/{p.pid}/task/{t}/comm").read().startswith("C1 Compiler") for t in os.listdir(f"/proc/{p.pid}/task"))
        except OSError:
            return False
    while not jvm_started() and p.poll() is None: time.sleep(0.005)
    print("JVM-threads", time.monotonic(), "load", open("/proc/loadavg").read().split()[0], file=log, flush=True)
    perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999", "-p", str(p.pid), "-o", OUT + ".boot.data"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
for raw in p.stdout:
    line = raw.decode(errors="replace").rstrip()
    print(line, file=so)
    for m, nxt in MARKS:
        if line.startswith(m):
            pid = java_pid()
            if perf: perf.send_signal(signal.SIGINT); perf.wait()
            try:  # (round 71) the JVM's anonymous memory in transparent huge pages at the mark
                thp = [l.split()[1] for l in open(f"/proc/{pid}/smaps_rollup") if l.startswith(("AnonHugePages", "Rss"))]
            except OSError:
                thp = []
            print(m, time.monotonic(), "load", open("/proc/loadavg").read().split()[0], "rss/thp KiB", "/".join(thp), file=log, flush=True)
            perf = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "1999", "-p", str(pid), "-o", OUT + "." + nxt + ".data"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if nxt else None
p.wait()
