#!/usr/bin/env python3
"""Round 78 (restore78), write window: one restore of LABEL in REPO by JAR with the mark lines' diagnostic on the guest's heartbeats: prints the vmckpt
stderr lines that matter and the first heartbeats' arrival times after "restored" (host clock of this script)."""
import os, re, subprocess, sys, time, threading
sys.path.insert(0, "/work/wt-restore78/bench")
import paper
jar, repo, label = sys.argv[1:4]
extra = [a for a in sys.argv[4:] if a != "--lazy"]
lazy = "--lazy" in sys.argv[4:]
name = "probe78-%d" % os.getpid()
cmd = ["java"] + paper.launcher_java_options(jar) + ["-Dvmckpt.stats.markPrefix=memdirty heartbeat"] + extra + ["-jar", jar, "restore", label,
       "--repo", repo, "--stats", "--name", name] + (["--lazy"] if lazy else [])
t0 = time.time()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
events = []
def rd(stream, tag):
    for line in stream:
        events.append((time.time() - t0, tag, line.rstrip()))
ts = [threading.Thread(target=rd, args=(p.stdout, "out")), threading.Thread(target=rd, args=(p.stderr, "err"))]
for t in ts: t.daemon = True; t.start()
deadline = time.time() + 20
while time.time() < deadline:
    if sum(1 for e in events if e[1] == "out" and "heartbeat" in e[2]) >= 6: break
    time.sleep(0.02)
paper.quit_named(name, p)
time.sleep(0.2)
restored = next((e[0] for e in events if "vmckpt: restored" in e[2]), None)
for t, tag, l in sorted(events):
    pass
    if tag == "err" and not any(k in l for k in ("restored", "mark", "vmckpt-jit", "phases", "axis", "lazy")): continue
    print(f"{t*1e3:8.1f} {'' if restored is None else f'{(t-restored)*1e3:+7.1f}'} {tag} {l[:600]}")
