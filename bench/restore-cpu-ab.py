#!/usr/bin/env python3
"""Restore CPU A/B (a benchmark, not a test): interleaved restores of one checkpoint by several jars, each left
paused (--paused) and quit at once, so the process's CPU time is the restore's (plus JVM start and exit).

    bench/restore-cpu-ab.py REPO N JAR [JAR...] [--lazy] [--label LABEL] [--gap SECONDS]

--gap waits that long before each restore. Why: on this project's VM memory a process frees is given back to the host
within ~2-3 s (the balloon's free page reporting), and faulting it in again then costs ~2 ms per MiB (host faults),
against ~0.1 ms per MiB for memory freed moments before (docs/BENCHMARKS.md, round 56). Restores run back to back
fill their heaps with the memory the previous restore's process just freed; with --gap 4 each restore's first touches
are those of a restore on a machine that was idle, which is what a user meets.

Per run: spawn -> "restored" wall time, the process's CPU time (user + system, from its rusage), the JVM's
collector pauses (-Xlog:gc; their count, and the collector threads' user and system CPU in them from -Xlog:gc+cpu:
gc.count, gc.user, gc.sys), vmckpt's `restore phases` and its steps before the restore (before.checkpoint: opening the
checkpoint, label resolved), and its time axis from the JVM's start (axis.command, axis.restore: the DATA loaders' start,
axis.restored); then the medians per jar. CPU time is the figure that
carries on a shared, loaded machine; wall times there are the scheduler's. Each JAR uses the class-data-sharing
archive beside it (JAR with .jsa) when present, and the launcher's JVM options; JAR@OPT,OPT adds JVM options to
that variant's (e.g. the same jar twice, once as JAR@-XX:+UseTransparentHugePages: an interleaved A/B of options).
"""
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402  (the launcher's JVM options, quitting a VM by name)


def main():
    args = sys.argv[1:]
    lazy = "--lazy" in args
    args = [a for a in args if a != "--lazy"]
    label = "last"
    gap = 0.0
    if "--gap" in args:
        i = args.index("--gap")
        gap = float(args[i + 1])
        del args[i:i + 2]
    if "--label" in args:
        i = args.index("--label")
        label = args[i + 1]
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    repo, n, jars = args[0], int(args[1]), args[2:]
    gc_log = os.path.join(tempfile.mkdtemp(prefix="restore-cpu-ab-"), "gc.log")
    res = {j: [] for j in jars}
    for _ in range(n):
        for j in jars:
            jar, _, opts = j.partition("@")
            extra = [o for o in opts.split(",") if o]
            cmd = (["java"] + paper.launcher_java_options(jar) + extra + [f"-Xlog:gc,gc+cpu:file={gc_log}", "-jar", jar, "restore", label,
                   "--repo", repo, "--stats", "--paused", "--name", "restore-cpu-ab"] + (["--lazy"] if lazy else []))
            time.sleep(gap)
            ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.time()
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
            wall, phases, before, axis = None, "", "", ""
            for line in p.stderr:
                if " restored " in line and wall is None:
                    wall = time.time() - t0
                if "restore time axis:" in line:
                    # From the JVM's start: the command's start, the restore's (the DATA loaders start within a ms of it), restored.
                    ax = re.findall(r"(\d+) ms", line)
                    if len(ax) == 3:
                        axis = f"axis.command {ax[0]} ms axis.restore {ax[1]} ms axis.restored {ax[2]} ms "
                if "before the restore:" in line:
                    before = " ".join(f"before.{k} {v} ms" for k, v in re.findall(r"(\w+) ([\d.]+) ms", line.split("before the restore:")[1]))
                if "restore phases" in line:
                    phases = line.split("restore phases:")[1].strip()
                    break
            paper.quit_named("restore-cpu-ab", p)
            ru = resource.getrusage(resource.RUSAGE_CHILDREN)
            if wall is None:
                sys.exit(f"{j}: the restore did not report 'restored' (exit status {p.returncode})")
            cpu = (ru.ru_utime + ru.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
            with open(gc_log) as f:
                log = f.read()
            pauses = [float(m) for m in re.findall(r"Pause.* ([\d.]+)ms$", log, re.M)]
            gc = sum(pauses)
            # The collector threads' CPU in the pauses (-Xlog:gc+cpu): system time there is first-touch page faults.
            gc_user = sum(float(m) for m in re.findall(r"User=([\d.]+)s", log)) * 1e3
            gc_sys = sum(float(m) for m in re.findall(r"Sys=([\d.]+)s", log)) * 1e3
            res[j].append((wall, cpu, gc))
            short = re.sub(r"pages\.(read|decode|copy|install)\.cpu", r"\1", phases)
            print(f"{j}: wall {wall * 1e3:6.0f} ms cpu {cpu * 1e3:6.0f} ms gc {gc:5.0f} ms load {os.getloadavg()[0]:.1f} | {short} "
                  f"gc.count {len(pauses)} ms gc.user {gc_user:.0f} ms gc.sys {gc_sys:.0f} ms {axis}{before}", flush=True)
    for j in jars:
        w, c, g = ([r[k] for r in res[j]] for k in range(3))
        print(f"{j}: median of {n}: wall {statistics.median(w) * 1e3:.0f} ms, cpu {statistics.median(c) * 1e3:.0f} ms, "
              f"collector pauses {statistics.median(g):.0f} ms")


if __name__ == "__main__":
    main()
