#!/usr/bin/env python3
"""Where a boot's CPU goes, by thread, A/B interleaved (a benchmark, not a test; figures for docs/BENCHMARKS.md).

Boots one of bench/cpu's guests (bench/cpu/build-guests.sh) with `LAUNCHER run ... --stats --cpu jit` and, when the
guest prints a line starting with MARK, reads every JVM thread's CPU time and the run thread's run-queue wait
(/proc/PID/task/*/stat and schedstat; threads are also polled every 20 ms, so that threads which ended before the mark,
like the checkpoint engine's vmckpt-page-sources, are counted), then stops the VM. Groups: run (the threads named
"java": the JVM's main thread, which runs the guest, and the launcher thread), C1, C2, the translator thread,
gc/vm (GC Thread#N and the VM Thread), other (the largest listed by name). One line per run; every figure goes to
/tmp/boot-threads-GUEST-TIME.json.

  python3 bench/cpu/boot-threads.py ROUNDS GUEST MARK NAME=LAUNCHER[|JAVA_OPTS] ...
  python3 bench/cpu/boot-threads.py 4 default BENCH-INIT main=/tmp/mainroot/vmckpt br=./vmckpt "p1=./vmckpt|-Dvmckpt.pageSources.priority=1"
"""
import os, sys, subprocess, time, threading, json, re
TICK = os.sysconf("SC_CLK_TCK")
rounds, guest, mark = int(sys.argv[1]), sys.argv[2], sys.argv[3]
specs = sys.argv[4:]
cache = os.path.expanduser(f"~/.cache/vmckpt/bench-cpu/{guest}")
SEEN = {}
def poll(pid):
    try: tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError: return
    for t in tasks:
        try: s = open(f"/proc/{pid}/task/{t}/stat").read()
        except (FileNotFoundError, ProcessLookupError): continue
        name = s[s.index("(")+1:s.rindex(")")]
        f = s[s.rindex(")")+2:].split()
        try: ss = open(f"/proc/{pid}/task/{t}/schedstat").read().split()
        except (FileNotFoundError, ProcessLookupError): ss = ["0", "0"]
        SEEN[t] = (name, (int(f[11]) + int(f[12])) / TICK, int(ss[1]) / 1e9)
def tcpu(pid):
    poll(pid)
    out = {}
    for name, c, w in SEEN.values():
        out[name] = out.get(name, 0.0) + c
    return out
def grp(c):
    g = {}
    for n, s in c.items():
        if n.startswith("C1 Comp"): k = "C1"
        elif n.startswith("C2 Comp"): k = "C2"
        elif n.startswith("vmckpt-transl"): k = "transl"
        elif n == "java": k = "run"
        elif n.startswith("GC Thread") or n == "VM Thread": k = "gc/vm"
        else: k = "other"
        g[k] = g.get(k, 0) + s
    return g
res = []
for r in range(rounds):
    for spec in specs:
        name, rest = spec.split("=", 1)
        parts = rest.split("|")
        launcher, opts = parts[0], " ".join(parts[1:])
        env = dict(os.environ, VMCKPT_JAVA_OPTS=opts)
        load = os.getloadavg()[0]
        cmd = [launcher, "run", "--kernel", f"{cache}/Image", "--initrd", f"{cache}/initramfs.cpio.gz", "--append",
               open(f"{cache}/cmdline").read().strip(), "--mem", "1G", "--no-rng", "--stats", "--cpu", "jit",
               "--name", f"tb-{os.getpid()}-{name}", "--exit-on", mark + "XX"]
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        err = []
        SEEN.clear(); done = []
        def sampler():
            while not done:
                poll(p.pid); time.sleep(0.02)
        sm = threading.Thread(target=sampler); sm.start()
        th = threading.Thread(target=lambda: err.extend(p.stderr.read().decode(errors="replace").splitlines())); th.start()
        got = None
        for raw in p.stdout:
            line = raw.decode(errors="replace")
            if line.startswith(mark):
                wall = time.monotonic() - t0
                c = tcpu(p.pid)
                f = open(f"/proc/{p.pid}/stat").read(); f = f[f.rindex(")")+2:].split()
                proc = (int(f[11]) + int(f[12])) / TICK
                got = (wall, c, proc)
                p.terminate()
                break
        done.append(1); sm.join(); p.wait(); th.join()
        wall, c, proc = got
        g = grp(c)
        runw = max((v for v in SEEN.values() if v[0] == "java"), key=lambda v: v[1])[2]
        g["runwait"] = runw
        others = sorted(((s, n) for n, s in c.items() if grp({n: s}).get("other")), reverse=True)[:6]
        row = dict(name=name, round=r+1, load=load, wall=wall, proc=proc, **g, others=[(n, round(s,2)) for s, n in others])
        res.append(row)
        print(f"{name} r{r+1} load {load:.2f} wall {wall:.2f} proc {proc:.2f} | " + " ".join(f"{k} {g.get(k,0):.2f}" for k in ["run","runwait","C1","C2","transl","gc/vm","other"]) + " | " + ", ".join(f"{n} {s:.2f}" for s, n in others), flush=True)
json.dump(res, open(f"/tmp/boot-threads-{guest}-{int(time.time())}.json", "w"), indent=1)
