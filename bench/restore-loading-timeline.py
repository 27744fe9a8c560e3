#!/usr/bin/env python3
"""An eager restore's loading phase, thread by thread (a benchmark helper, not a test; round 63).

    bench/restore-loading-timeline.py JAR REPO LABEL [--bin MS] [JVM options...]

One `vmckpt restore LABEL --paused --stats` by JAR (the launcher's JVM options, the class-data archive beside the jar),
with -Xlog:safepoint and -Xlog:gc to files on the JVM's uptime axis. Every thread's schedstat (nanoseconds on a CPU,
nanoseconds runnable but waiting for a CPU) is sampled every 2 ms from /proc. The JVM's uptime is placed on the sampling
clock by the "restored" line (its uptime from the restore's time axis, its arrival on stderr), as restore-timeline.py does.

For the loading phase (the restore's start, where the DATA loaders start, to "restored") it prints:
  - per thread: CPU, time runnable but without a core (run queue), and the rest (off a core and not runnable: blocked
    on a lock, a file, a safepoint, sleeping), and the span it was seen in;
  - the safepoints and collections inside it (their total, and stopped time per bin);
  - a strip per bin (--bin, default 10 ms): each thread group's CPU ms in that bin, the stopped ms, and how much of the
    two cores was idle, so where the wall exceeds CPU/2 shows as bins with idle;
  - the restore's phases line.
"""
import collections
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402

jar, repo, label = sys.argv[1:4]
rest = sys.argv[4:]
bin_ms = 10.0
if "--bin" in rest:
    i = rest.index("--bin")
    bin_ms = float(rest[i + 1])
    del rest[i:i + 2]
d = tempfile.mkdtemp(prefix="restore-loading-")
sp_log, gc_log = os.path.join(d, "safepoint.log"), os.path.join(d, "gc.log")
cmd = (["java"] + paper.launcher_java_options(jar) + rest
       + [f"-Xlog:safepoint:file={sp_log}:uptimenanos", f"-Xlog:gc:file={gc_log}:uptimenanos", "-jar", jar,
          "restore", label, "--repo", repo, "--stats", "--paused", "--name", "restore-loading"])
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
os.set_blocking(p.stderr.fileno(), False)
samples = []  # (monotonic s, {tid: (name, cpu ns, wait ns)})
lines, buf, t_restored = [], "", None


def sample():
    got = {}
    try:
        tids = os.listdir(f"/proc/{p.pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            comm = open(f"/proc/{p.pid}/task/{tid}/comm").read().strip()
            f = open(f"/proc/{p.pid}/task/{tid}/schedstat").read().split()
            got[tid] = (comm, int(f[0]), int(f[1]))
        except (OSError, ValueError, IndexError):
            continue
    samples.append((time.monotonic(), got))


while True:
    sample()
    try:
        chunk = p.stderr.read()
    except (BlockingIOError, TypeError):
        chunk = None
    if chunk:
        buf += chunk
        while "\n" in buf:
            line, buf = buf.split("\n", 1)
            lines.append(line)
            if " restored " in line and t_restored is None:
                t_restored = time.monotonic()
    if any("restore phases" in l for l in lines) or p.poll() is not None:
        break
    time.sleep(0.002)
paper.quit_named("restore-loading", p)

text = "\n".join(lines)
axis = re.search(r"the command began (\d+) ms after the JVM's start, the restore (\d+) ms, restored at (\d+) ms", text)
if not (axis and t_restored):
    sys.exit("no time axis in the restore's output:\n" + text)
cmd_ms, restore_ms, restored_ms = (int(x) for x in axis.groups())
jvm0 = t_restored - restored_ms / 1e3
helpers = re.search(r"pages\.helpers\.done\.at ([\d.]+) ms", text)
window = re.search(r"pages\.oldgen\.window ([\d.]+) ms", text)


def up(t):
    """Sampling clock -> JVM uptime ms."""
    return (t - jvm0) * 1e3


def group(name):
    if name.startswith("vmckpt-restore"):
        return name
    if name.startswith("GC Thread"):
        return "GC"
    if name.startswith("C1") or name.startswith("C2"):
        return name[:2]
    if name == "java":
        return "java (main/restoring)"
    return name


# Stopped intervals (safepoints) on the uptime axis, from "Safepoint ..., Total: N ns" lines (end time = the line's).
stops = []
for l in open(sp_log) if os.path.exists(sp_log) else []:
    m = re.match(r"\[(\d+)ns\].*Safepoint \"(\w+)\".*Total: (\d+) ns", l)
    if m:
        end = int(m.group(1)) / 1e6
        stops.append((end - int(m.group(3)) / 1e6, end, m.group(2)))
gcs = []
for l in open(gc_log) if os.path.exists(gc_log) else []:
    m = re.match(r"\[(\d+)ns\].*(Pause \w+.*?)\s+(\d+)M->.*?([\d.]+)ms$", l)
    if m:
        gcs.append((int(m.group(1)) / 1e6, m.group(2), float(m.group(4))))

a, b = restore_ms, restored_ms
series = collections.defaultdict(list)  # tid -> [(uptime ms, name, cpu ns, wait ns)]
for t, got in samples:
    for tid, (name, cpu, wait) in got.items():
        series[tid].append((up(t), name, cpu, wait))


def at(xs, t):
    """A thread's (cpu, wait) ns at uptime t: its last sample at or before t (0 before its first)."""
    last = (0, 0)
    for x in xs:
        if x[0] <= t:
            last = (x[2], x[3])
        else:
            break
    return last


print(f"loading phase (JVM uptime): the restore's start {a} ms -> restored {b} ms ({b - a} ms); "
      f"last loader's end {a + float(helpers.group(1)):.0f} ms" if helpers else "", end="")
print(f"; window open {window.group(1)} ms" if window else "")
print("per thread in it: CPU / run queue / off a core (ms), first..last seen")
for tid, xs in sorted(series.items(), key=lambda kv: kv[1][-1][1]):
    c0, w0 = at(xs, a)
    c1, w1 = at(xs, b + 5)
    cpu, wait = (c1 - c0) / 1e6, (w1 - w0) / 1e6
    if cpu < 1 and wait < 1:
        continue
    first, last = max(a, xs[0][0]), min(b, xs[-1][0])
    off = max(0.0, (last - first) - cpu - wait)
    print(f"  {xs[-1][1]:<18} {cpu:7.1f} / {wait:6.1f} / {off:7.1f}   {first - a:6.0f}..{last - a:6.0f}")
inside = [s for s in stops if s[1] > a and s[0] < b]
print(f"safepoints in it: {len(inside)}, stopped {sum(min(e, b) - max(s, a) for s, e, _ in inside):.1f} ms: "
      + ", ".join(f"{n}@{s - a:.0f}+{e - s:.1f}" for s, e, n in inside if e - s >= 0.5))
print("collections in it: " + ", ".join(f"{n.strip()}@{t - a:.0f} {ms:.1f}ms" for t, n, ms in gcs if a <= t <= b + 5))
groups = sorted({group(xs[-1][1]) for xs in series.values()})
print(f"strip, {bin_ms:.0f} ms bins from the restore's start: CPU ms per group, stopped ms, idle of 2 cores")
cols = [g for g in groups if any(group(xs[-1][1]) == g and (at(xs, b)[0] - at(xs, a)[0]) > 1e6 for xs in series.values())]
print("  bin    " + " ".join(f"{g[:10]:>10}" for g in cols) + "   stopped  idle")
t = a
while t < b:
    e = min(b, t + bin_ms)
    per = collections.Counter()
    for xs in series.values():
        per[group(xs[-1][1])] += (at(xs, e)[0] - at(xs, t)[0]) / 1e6
    stopped = sum(max(0.0, min(se, e) - max(ss, t)) for ss, se, _ in stops)
    idle = max(0.0, 2 * (e - t) - sum(per.values()))
    print(f"  {t - a:5.0f}  " + " ".join(f"{per.get(g, 0):10.1f}" for g in cols) + f"   {stopped:6.1f} {idle:6.1f}")
    t = e
for l in lines:
    if "phases" in l or "axis" in l:
        print(l)
