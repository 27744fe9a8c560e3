#!/usr/bin/env python3
# Run the default guest with memdirty 256,10,10 for N seconds after ready; histogram of heartbeat gaps.
import subprocess, sys, time, re, os, threading
launcher = sys.argv[1]; secs = float(sys.argv[2]); extra = sys.argv[3:]
env = dict(os.environ); env["XDG_RUNTIME_DIR"] = "/tmp/lw"
cmd = [launcher] + [a for a in extra if a.startswith("-J")] and None
jopts = [a[2:] for a in extra if a.startswith("-J")]
vargs = [a for a in extra if not a.startswith("-J")]
if jopts: env["JAVA_TOOL_OPTIONS"] = " ".join(jopts)
p = subprocess.Popen([launcher, "run", "--mem", "1G", "--workload", "memdirty,256,10,10", "--name", "lw%d" % os.getpid()] + vargs,
                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
stamps = []; ready = None
for line in iter(p.stdout.readline, b""):
    t = time.monotonic(); s = line.decode(errors="replace")
    if "memdirty ready" in s:
        ready = t
        if os.environ.get("CHRT"):
            tids = sorted(int(x) for x in os.listdir("/proc/%d/task" % p.pid) if open("/proc/%d/task/%s/comm" % (p.pid, x)).read().strip() == "java")
            subprocess.run(["chrt", "-f", "-p", os.environ["CHRT"], str(tids[1])], check=True)
    if ready and "memdirty heartbeat" in s:
        stamps.append(t)
        if t - ready > secs: break
    if ready is None and ("error" in s.lower()): print(s, end="")
p.kill(); p.wait()
gaps = [(b - a) * 1000 for a, b in zip(stamps, stamps[1:])]
gaps = gaps[100:]  # skip the first second
gs = sorted(gaps)
print("n=%d median=%.1f p99=%.1f max=%.1f  >15:%d >20:%d >25:%d" % (len(gs), gs[len(gs)//2], gs[int(len(gs)*.99)], gs[-1],
      sum(g > 15 for g in gs), sum(g > 20 for g in gs), sum(g > 25 for g in gs)))
print("top:", " ".join("%.1f" % g for g in gs[-12:]))
