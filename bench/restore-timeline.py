#!/usr/bin/env python3
"""An eager restore's timeline, and what each thread ran in each part of it (a benchmark helper, not a test).

    bench/restore-timeline.py JAR REPO LABEL [JVM options...]

One `vmckpt restore LABEL --paused --stats` by JAR (the launcher's JVM options, the class-data archive beside the jar,
-Xlog:startuptime), its threads' CPU sampled every 5 ms from /proc (schedstat: nanoseconds on a CPU). The parts, on the
JVM's uptime axis: JVM start to `main` (the end of "Create VM" from -Xlog:startuptime), `main` to the command
(RestoreCommand.run), the command to the restore's start (the DATA loaders start within a millisecond of it), the
restore's start to the last loader thread's end (pages.helpers.done.at), and from there to "restored". Per part: its
wall time, the CPU of each thread group in it (by name; a thread's CPU after its last sample is lost, at most 5 ms), and how much of the second core was idle (2 x wall - all CPU). The JVM's uptime is placed on the sampling
clock by "restored" (its uptime from the time axis, its arrival on stderr), so a part's edges are within a few ms.
"""
import os, re, subprocess, sys, time, collections, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402

jar, repo, label = sys.argv[1:4]
extra = sys.argv[4:]
st_log = os.path.join(tempfile.mkdtemp(prefix="restore-timeline-"), "startuptime.log")
cmd = (["java"] + paper.launcher_java_options(jar) + extra + [f"-Xlog:startuptime:file={st_log}:uptimemillis", "-jar", jar,
       "restore", label, "--repo", repo, "--stats", "--paused", "--name", "restore-timeline"])
t_spawn = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
os.set_blocking(p.stderr.fileno(), False)
samples = []  # (monotonic seconds, {tid: (name, ns)})
lines, buf, t_restored = [], "", None


def sample():
    d = {}
    try:
        tids = os.listdir(f"/proc/{p.pid}/task")
    except OSError:
        return
    for tid in tids:
        try:
            comm = open(f"/proc/{p.pid}/task/{tid}/comm").read().strip()
            ns = int(open(f"/proc/{p.pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        d[tid] = (re.sub(r"#?\d+$", "#", comm), ns)
    samples.append((time.monotonic(), d))


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
    time.sleep(0.005)
paper.quit_named("restore-timeline", p)

text = "\n".join(lines)
axis = re.search(r"the command began (\d+) ms after the JVM's start, the restore (\d+) ms, restored at (\d+) ms", text)
helpers = re.search(r"pages\.helpers\.done\.at ([\d.]+) ms", text)
create = re.search(r"\[(\d+)ms\].*Create VM", open(st_log).read())
if not (axis and create and t_restored):
    sys.exit("no time axis in the restore's output:\n" + text)
cmd_ms, restore_ms, restored_ms = (int(x) for x in axis.groups())
jvm0 = t_restored - restored_ms / 1e3  # the JVM's uptime 0 on the sampling clock
edges = [("JVM start to main", 0, int(create.group(1))), ("main to the command", int(create.group(1)), cmd_ms),
         ("the command to the restore's start", cmd_ms, restore_ms)]
if helpers:
    done = restore_ms + float(helpers.group(1))
    edges += [("restore's start to the last loader's end", restore_ms, done), ("last loader's end to restored", done, restored_ms)]
else:
    edges += [("restore's start to restored", restore_ms, restored_ms)]


series = collections.defaultdict(list)  # tid -> [(sample time, name, ns)], a thread's CPU kept after it ended
for t, d in samples:
    for tid, (name, ns) in d.items():
        series[tid].append((t, name, ns))


def cpu_at(t):
    """Per thread group, CPU ns at time t: each thread's last sample at or before t (an ended thread's last one)."""
    c = collections.Counter()
    for tid, xs in series.items():
        last = None
        for x in xs:
            if x[0] <= t:
                last = x
        if last is not None:
            c[last[1]] += last[2]
    return c


def names():
    return {xs[-1][1] for xs in series.values()}


print(f"spawn to the JVM's start ~{(jvm0 - t_spawn) * 1e3:.0f} ms (where uptime 0 falls on the sampling clock); {len(samples)} samples")
for name, a, b in edges:
    c0, c1 = cpu_at(jvm0 + a / 1e3), cpu_at(jvm0 + b / 1e3)
    diff = {k: (c1.get(k, 0) - c0.get(k, 0)) / 1e6 for k in names()}
    total = sum(v for v in diff.values() if v > 0)
    wall = b - a
    parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(diff.items(), key=lambda kv: -kv[1]) if v >= 1)
    print(f"{name}: {a:.0f} -> {b:.0f} ms ({wall:.0f} ms): CPU {total:.0f} ms, idle of 2 cores ~{max(0, 2 * wall - total):.0f} ms | {parts}")
for l in lines:
    if "axis" in l or "before the restore" in l or "phases" in l:
        print(l)
