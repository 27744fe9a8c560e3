#!/usr/bin/env python3
"""An eager restore's loading phase from the scheduler's own record (a benchmark helper, not a test; round 63).

    bench/restore-loading-sched.py JAR REPO LABEL [--bin MS] [JVM options...]

One `vmckpt restore LABEL --paused --stats` by JAR (the launcher's JVM options, the class-data archive beside the jar)
under `perf sched record -k mono` (every context switch on the machine, on the monotonic clock), with -Xlog:safepoint
on the JVM's uptime axis. The JVM's uptime is placed on the monotonic clock by the "restored" line (its uptime from the
restore's time axis, its arrival on stderr). Unlike sampling /proc (restore-loading-timeline.py), nothing runs beside the
restore but perf's own writer, and every switch is seen: a thread's spans on a core, its waits for one, its sleeps.

For the loading phase (the restore's start, where the DATA loaders start, to "restored") it prints:
  - per thread of the JVM: time on a core, runnable without a core (scheduling delay), off a core and not runnable,
    and how many times it left a core (voluntarily: slept or blocked; involuntarily: preempted);
  - other processes' time on the cores in it, and the cores' idle time;
  - the safepoints in it (each one's stopped time, when it began);
  - a strip per bin (--bin, default 10 ms): each thread group's ms on a core, other processes', stopped ms, idle ms.
Needs perf with access to the sched tracepoints (root, or perf_event_paranoid <= -1).
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
d = tempfile.mkdtemp(prefix="restore-sched-")
sp_log, data = os.path.join(d, "safepoint.log"), os.path.join(d, "sched.data")
java = (["java"] + paper.launcher_java_options(jar) + rest
        + [f"-Xlog:safepoint:file={sp_log}:uptimenanos", "-jar", jar,
           "restore", label, "--repo", repo, "--stats", "--paused", "--name", "restore-sched"])
p = subprocess.Popen(["perf", "sched", "record", "-k", "mono", "-o", data, "--"] + java,
                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
lines, t_restored = [], None
for line in p.stderr:
    lines.append(line.rstrip())
    if " restored " in line and t_restored is None:
        t_restored = time.monotonic()
    if "restore phases" in line:
        break
paper.quit_named("restore-sched", p)
p.wait()

text = "\n".join(lines)
axis = re.search(r"the command began (\d+) ms after the JVM's start, the restore (\d+) ms, restored at (\d+) ms", text)
if not (axis and t_restored):
    sys.exit("no time axis in the restore's output:\n" + text)
cmd_ms, restore_ms, restored_ms = (int(x) for x in axis.groups())
jvm0 = t_restored * 1e3 - restored_ms  # the JVM's uptime 0 on the monotonic clock, ms
a, b = jvm0 + restore_ms, jvm0 + restored_ms
helpers = re.search(r"pages\.helpers\.done\.at ([\d.]+) ms", text)
window = re.search(r"pages\.oldgen\.window ([\d.]+) ms", text)

hist = subprocess.run(["perf", "sched", "timehist", "-i", data, "--state"], capture_output=True, text=True).stdout
row = re.compile(r"^\s*([\d.]+)\s+\[(\d+)\]\s+(.*?)\[(\d+)(?:/(\d+))?\]\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+(\S+)")
jvm_pid = None
spans = []  # (start ms, end ms, tid, pid, name, state at switch-out, sched delay before, wait before)
# perf's "wait time" before a span is the time since the thread left a core: asleep or blocked if it left in state S/D,
# runnable without a core if it was preempted (state R); its "sch delay" is the time from a wake-up to the core.
# Here: delay = all runnable time before the span, wait = the time asleep or blocked before it.
last_state = {}
for l in hist.splitlines():
    m = row.match(l)
    if not m:
        continue
    t = float(m.group(1)) * 1e3
    name, tid, pid = m.group(3).strip(), int(m.group(4)), int(m.group(5) or m.group(4))
    run, delay, wait = float(m.group(8)), float(m.group(7)), float(m.group(6))
    prev = last_state.get(tid)
    if prev == "R":
        delay, wait = delay + wait, 0.0
    last_state[tid] = m.group(9)
    spans.append((t - run, t, tid, pid, name, m.group(9), delay, wait, prev == "D"))
# The JVM: the process whose threads include the restore's loaders.
for s in spans:
    if s[4].startswith("vmckpt-restore"):
        jvm_pid = s[3]
        break
if jvm_pid is None:
    sys.exit("no loader thread in perf's record")


def group(name):
    if name.startswith("vmckpt-restore"):
        return "loader"
    if name.startswith("GC Thread"):
        return "GC"
    if name.startswith("C1") or name.startswith("C2"):
        return name[:2]
    if name == "java":
        return "java(main)"
    if name.startswith("vmckpt-oldgen"):
        return "holder"
    return "jvm-other"


def clip(s, e, lo, hi):
    return max(0.0, min(e, hi) - max(s, lo))


stops = []
for l in open(sp_log) if os.path.exists(sp_log) else []:
    m = re.match(r"\[(\d+)ns\].*Safepoint \"(\w+)\".*Total: (\d+) ns", l)
    if m:
        end = jvm0 + int(m.group(1)) / 1e6
        stops.append((end - int(m.group(3)) / 1e6, end, m.group(2)))

print(f"loading phase: the restore's start (uptime {restore_ms} ms) -> restored ({restored_ms} ms): {b - a:.0f} ms"
      + (f"; last helper out of work at +{float(helpers.group(1)):.0f} ms" if helpers else "")
      + (f"; old-generation window open {window.group(1)} ms" if window else ""))
per = collections.defaultdict(lambda: [0.0, 0.0, 0.0, 0, 0, None, None, 0.0])  # run, delay, sleep, vol, invol, first, last, io
others = 0.0
for s, e, tid, pid, name, st, delay, wait, io in spans:
    if e < a or s > b:
        continue
    if pid == jvm_pid:
        x = per[(tid, name)]
        x[0] += clip(s, e, a, b)
        x[1] += clip(s - delay, s, a, b)
        x[2] += clip(s - delay - wait, s - delay, a, b)
        if io:
            x[7] += clip(s - delay - wait, s - delay, a, b)
        if a <= e <= b:
            if st in ("S", "D", "I"):
                x[3] += 1
            else:
                x[4] += 1
        x[5] = s if x[5] is None else min(x[5], s)
        x[6] = e if x[6] is None else max(x[6], e)
    elif pid != 0 and not name.startswith("swapper"):
        others += clip(s, e, a, b)
print("per thread of the JVM in it: on a core / runnable without one / off and not runnable (ms; of it in D state, a read "
      "from disk), left a core voluntarily / preempted, seen from..to (ms after the restore's start)")
total = 0.0
for (tid, name), x in sorted(per.items(), key=lambda kv: -kv[1][0]):
    total += x[0]
    if x[0] < 0.5 and x[3] + x[4] < 5:
        continue
    print(f"  {name:<18} {tid:>7} {x[0]:8.1f} / {x[1]:7.1f} / {x[2]:7.1f} (D {x[7]:5.1f})   {x[3]:6d} / {x[4]:4d}   {max(0, x[5] - a):6.0f}..{min(b, x[6]) - a:6.0f}")
print(f"JVM on the cores {total:.0f} ms, other processes {others:.0f} ms, idle {max(0.0, 2 * (b - a) - total - others):.0f} ms of 2 x {b - a:.0f}")
# Where the loaders and the restoring thread were off a core and not runnable: inside a safepoint (stopped for a
# collection) or outside one (waiting for work, a lock, a file, a window's holder, the join of the last loader).
print("off a core and not runnable, inside safepoints / outside them (ms):")
for (tid, name), x in sorted(per.items(), key=lambda kv: -kv[1][0]):
    if not (name.startswith("vmckpt-restore") or name == "java") or x[0] < 5:
        continue
    mine = sorted((s, e, delay, wait) for s, e, t2, pid, n2, st, delay, wait, io in spans if t2 == tid)
    ins = outs = 0.0
    for s, e, delay, wait in mine:
        lo, hi = s - delay - wait, s - delay  # the sleep before this span on a core
        lo, hi = max(lo, a, x[5]), min(hi, b)
        if hi <= lo:
            continue
        st_ = sum(clip(ss, se, lo, hi) for ss, se, _ in stops)
        ins += st_
        outs += (hi - lo) - st_
    print(f"  {name:<18} {tid:>7} {ins:8.1f} / {outs:8.1f}")
inside = [s for s in stops if s[1] > a and s[0] < b]
print(f"safepoints in it: {len(inside)}, stopped {sum(clip(s, e, a, b) for s, e, _ in inside):.1f} ms: "
      + ", ".join(f"{n}@{s - a:.0f}+{e - s:.1f}" for s, e, n in inside if e - s >= 0.3))
cols = ["loader", "java(main)", "GC", "C1", "C2", "holder", "jvm-other"]
print(f"strip ({bin_ms:.0f} ms bins from the restore's start): ms on a core per group, other processes, stopped, idle")
print("  bin   " + " ".join(f"{c:>10}" for c in cols) + "     others stopped   idle")
t = a
while t < b:
    e = min(b, t + bin_ms)
    g = collections.Counter()
    oth = 0.0
    for s, se, tid, pid, name, st, delay, wait, io in spans:
        if se < t or s > e:
            continue
        c = clip(s, se, t, e)
        if pid == jvm_pid:
            g[group(name)] += c
        elif pid != 0 and not name.startswith("swapper"):
            oth += c
    stopped = sum(clip(ss, se, t, e) for ss, se, _ in stops)
    idle = max(0.0, 2 * (e - t) - sum(g.values()) - oth)
    print(f"  {t - a:5.0f} " + " ".join(f"{g.get(c, 0):10.1f}" for c in cols) + f"  {oth:8.1f} {stopped:7.1f} {idle:6.1f}")
    t = e
for l in lines:
    if "phases" in l or "axis" in l:
        print(l)
