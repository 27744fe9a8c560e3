#!/usr/bin/env python3
"""Where a restore's CPU goes, by thread (a benchmark helper, not a test): one `vmckpt restore --paused --stats` of
LABEL in REPO by JAR (with the launcher's JVM options and the class-data-sharing archive beside the jar), then, once
"restore phases" is printed, the CPU time of each of the JVM's threads from /proc (the collector's, the JIT's, the
loaders' that already ended as "(exited threads)"), the restore's time axis and phases, and the collector's pauses.

    bench/restore-threads.py JAR REPO LABEL [--lazy] [JVM options...]
"""
import os, re, subprocess, sys, time, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402  (the launcher's JVM options, quitting a VM by name)
jar, repo, label = sys.argv[1:4]
rest = sys.argv[4:]
lazy = "--lazy" in rest
extra = [a for a in rest if a != "--lazy"]
cmd = ["java"] + paper.launcher_java_options(jar) + extra + ["-Xlog:gc:file=/tmp/restore-threads-gc.log:uptimemillis", "-jar", jar, "restore", label,
       "--repo", repo, "--stats", "--paused", "--name", "restore-threads"] + (["--lazy"] if lazy else [])
t0 = time.time()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
lines = []
for line in p.stderr:
    lines.append(line.rstrip())
    if "restore phases" in line:
        break
wall = time.time() - t0
time.sleep(0.05 if not lazy else 3)
tick = os.sysconf("SC_CLK_TCK")
per = collections.Counter()
for tid in os.listdir(f"/proc/{p.pid}/task"):
    try:
        comm = open(f"/proc/{p.pid}/task/{tid}/comm").read().strip()
        st = open(f"/proc/{p.pid}/task/{tid}/stat").read()
    except OSError:
        continue
    f = st.rsplit(")", 1)[1].split()
    cpu = (int(f[11]) + int(f[12])) / tick
    key = re.sub(r"#?\d+$", "#", comm)
    per[key] += cpu
pf = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
proc_cpu = (int(pf[11]) + int(pf[12])) / tick
per["(exited threads)"] = proc_cpu - sum(per.values())
paper.quit_named("restore-threads", p)
for l in lines:
    if "restored" in l or "phases" in l or "axis" in l or "faulted" in l or "before the restore" in l or "grown" in l: print(l)
print(f"wall {wall*1e3:.0f} ms; cpu by thread (ms): " + ", ".join(f"{k} {v*1e3:.0f}" for k, v in per.most_common() if v > 0) + f"; total {sum(per.values())*1e3:.0f}; minor faults {pf[7]}")
gc = open("/tmp/restore-threads-gc.log").read()
pauses = [float(x) for x in re.findall(r"Pause.* ([\d.]+)ms$", gc, re.M)]
print(f"gc: {len(pauses)} pauses, {sum(pauses):.0f} ms" + "".join(f"; {l}" for l in gc.splitlines() if "Full" in l))
