#!/usr/bin/env python3
"""Signed boots to /init, launchers interleaved (the order turns every round), each boot between two runs of a
fixed-work canary (bench/cpu/canary.c, compiled to $CANARY, /tmp/vmckpt-canary, on first use: an ALU loop and a random
walk over a 4 MiB table, each its thread CPU seconds: before the boot where the scheduler puts it, after it on CPU 0
alone, on CPU 1 alone, then one on each at once), to tell a slow boot of the process from a slow host (round 67).
Per boot: the JVM threads' CPU at BENCH-INIT (threads.py's groups), the run thread's context switches, the process's
Rss and AnonHugePages there, the host's CPU between the spawn and /init not spent in this JVM (/proc/stat) and the processes that spent it, page
faults and THP counters (/proc/vmstat), CPU pressure (PSI), the load, --stats' lines. PERF=DIR: each boot also under
`perf record --sample-cpu -e cpu-clock -F 999 -p PID` from the JVM's compiler threads to BENCH-INIT (the JVM writes its perf map at
exit: -XX:+DumpPerfMapAtExit), DIR/NAME-HHMMSS.data. JITLOG=1: -XX:+PrintCompilation, and C2's compiles of our own
methods and their made-not-entrant lines kept in the JSON ("jit"). DEADLINE=EPOCH: no boot starts within 15 s of it.

  python3 bench/cpu/boot-series.py N OUT.json NAME=PATH[,JAVA_OPTS] ...   (an exit at modules-start: the JVM is alive at /init)
"""
import json, os, re, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads
CANARY = os.environ.get("CANARY", "/tmp/vmckpt-canary")
if not os.path.exists(CANARY):
    subprocess.run(["gcc", "-O2", "-o", CANARY, os.path.join(os.path.dirname(os.path.abspath(__file__)), "canary.c")], check=True)

def canary(cpu=None):
    """The canary's (ALU, memory) thread CPU seconds; on CPU cpu alone if given (taskset)."""
    out = subprocess.run(([] if cpu is None else ["taskset", "-c", str(cpu)]) + [CANARY], capture_output=True, text=True).stdout.split()
    return float(out[1]), float(out[3])

def canary_pair():
    """Two canaries at once (both cores busy, as in a boot): each one's (ALU, memory) seconds. A host that slows a core
    only while the other is busy too (two virtual CPUs on one physical core's two threads, say) shows here, not alone."""
    ps = [subprocess.Popen(["taskset", "-c", str(c), CANARY], stdout=subprocess.PIPE, text=True) for c in range(2)]
    out = []
    for p in ps:
        f = p.communicate()[0].split()
        out.append((float(f[1]), float(f[3])))
    return out


def smaps(pid):
    d = {}
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            p = line.split()
            if p[0] in ("Rss:", "AnonHugePages:", "Anonymous:"): d[p[0][:-1]] = int(p[1])
    except OSError:
        pass
    return d

def procstat():
    """(busy jiffies of all CPUs, idle+iowait jiffies), /proc/vmstat's counters of interest, PSI cpu 'some' total (us)."""
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    vm = {}
    for line in open("/proc/vmstat"):
        k, v = line.split()
        if k in ("pgfault", "thp_fault_alloc", "thp_fault_fallback", "compact_stall", "pgmajfault", "nr_dirty", "pgscan_kswapd", "thp_collapse_alloc"):
            vm[k] = int(v)
    try:
        psi = int(open("/proc/pressure/cpu").readline().split("total=")[1])
    except (OSError, IndexError, ValueError):
        psi = 0
    return sum(f) - f[3] - f[4], f[3] + f[4], vm, psi

def procs():
    """{pid: (comm, CPU jiffies)} of every process on the host (a process's threads summed, kernel threads too)."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            st = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        f = st[st.rindex(")") + 2:].split()
        out[int(d)] = (st[st.index("(") + 1:st.rindex(")")], int(f[11]) + int(f[12]))
    return out


def ctxsw(pid):
    """The run thread's (the thread named java) voluntary and involuntary context switches."""
    v = n = 0
    for t in os.listdir(f"/proc/{pid}/task"):
        try:
            st = open(f"/proc/{pid}/task/{t}/status").read()
        except OSError:
            continue
        if "Name:\tjava\n" in st:
            v += int(st.split("\nvoluntary_ctxt_switches:\t")[1].split()[0])
            n += int(st.split("nonvoluntary_ctxt_switches:\t")[1].split()[0])
    return v, n

def boot(path, opts, name):
    env = dict(os.environ)
    p0 = procstat()
    ps0 = procs()
    if opts: env["VMCKPT_JAVA_OPTS"] = opts
    got = {}
    def cpu_at(pid, tag, line):
        if tag == "out" and line.strip().startswith("BENCH-INIT"):
            c = threads.thread_cpu(pid)
            got["mem"] = smaps(pid)
            got["raw"] = c
            got["proc_init"] = procstat()
            got["procs_init"] = procs()
            got["pid"] = pid
            try:
                got["ctxsw"] = ctxsw(pid)
            except OSError:
                pass
            return threads.group(c) if c else None
        return None
    if os.environ.get("JITLOG"):
        env["VMCKPT_JAVA_OPTS"] = (env.get("VMCKPT_JAVA_OPTS", "") + " -XX:+PrintCompilation").strip()
    perfdir = os.environ.get("PERF")
    perf = []
    if perfdir:
        env["VMCKPT_JAVA_OPTS"] = (env.get("VMCKPT_JAVA_OPTS", "") + " -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit").strip()
        got["perf"] = f"{perfdir}/{name}-{time.strftime('%H%M%S', time.gmtime())}.data"

        def starter(pid):
            # perf -p samples the threads that exist when it attaches: wait for the JVM's compiler threads (the run thread is there)
            t0 = time.monotonic()
            while time.monotonic() - t0 < 10:
                try:
                    if any(open(f"/proc/{pid}/task/{t}/comm").read().startswith("C1 Compiler") for t in os.listdir(f"/proc/{pid}/task")):
                        break
                except OSError:
                    pass
                time.sleep(0.005)
            perf.append(subprocess.Popen(["perf", "record", "-q", "--sample-cpu", "-e", "cpu-clock", "-F", "999", "-p", str(pid), "-o", got["perf"]],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    orig = cpu_at

    def cpu_at2(pid, tag, line):
        if perfdir and not perf and not got.get("perf_started"):
            got["perf_started"] = True
            import threading
            threading.Thread(target=starter, args=(pid,), daemon=True).start()
        c = orig(pid, tag, line)
        if c is not None and perf:
            import signal
            perf[0].send_signal(signal.SIGINT)
        return c
    lines, rc = threads.run_stamped(threads.run_command(path, "signed", "BENCH-MARK modules-start", name), env, None,
                                    cpu_at2, lambda c: "")
    for p in perf:
        p.wait()
    r = {"exit": rc, "stats": [l for _, t, _, l in lines if t == "err" and l.startswith("vmckpt:")]}
    for now, tag, cpu, line in lines:
        if tag == "out" and line.strip().startswith("BENCH-INIT"):
            r["init_wall"] = now; r["init_cpu"] = cpu
    r.update(got)
    if os.environ.get("JITLOG"):
        # C2's compiles and every made-not-entrant of our own methods (not the units): uptime ms, level, OSR, method
        jit = []
        for _, tag, _, l in lines:
            m = re.match(r"\s*(\d+)\s+\d+\s+([%sbn! ]{0,6})\s*(\d)\s+(org\.vmckpt\S+)", l) if tag == "out" else None
            if m and ".Unit" not in m.group(4) and (m.group(3) == "4" or "made not entrant" in l):
                jit.append([int(m.group(1)), int(m.group(3)), "%" in m.group(2), m.group(4), "made not entrant" in l])
        r["jit"] = jit
    if "proc_init" in got and r.get("raw"):
        p1 = r.pop("proc_init")
        jvm = sum(v for k, v in r["raw"].items() if k != "run-wait")
        r["sys_busy_s"] = (p1[0] - p0[0]) / threads.TICK
        r["sys_other_s"] = r["sys_busy_s"] - jvm  # CPU on the host not in this JVM between the spawn and /init
        r["vm_delta"] = {k: p1[2][k] - p0[2][k] for k in p1[2]}
        r["psi_cpu_some_ms"] = (p1[3] - p0[3]) / 1000
        ps1 = r.pop("procs_init")
        others = [(ps1[q][1] - ps0.get(q, (None, 0))[1], ps1[q][0], q) for q in ps1 if q != r["pid"] and q != os.getpid()]
        r["top_others"] = [[round(c / threads.TICK, 2), n, q] for c, n, q in sorted(others, reverse=True)[:4] if c > 0]
    for l in r["stats"]:
        if "run thread CPU" in l: r["run_cpu_stats"] = float(l.split("run thread CPU ")[1].split(" s")[0])
        if "the first instruction " in l: r["first_insn_s"] = float(l.split("the first instruction ")[1].split(" s")[0])
        if "units built" in l: r["units"] = int(l.split("; ")[1].split(" units built")[0].replace(",", ""))
    return r

def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    ls = [threads.parse_launcher(s) for s in sys.argv[3:]]
    res = []
    print(f"# {time.strftime('%H:%M:%S', time.gmtime())} load {os.getloadavg()[0]:.2f}", flush=True)
    deadline = float(os.environ.get("DEADLINE", "0"))  # epoch seconds: no boot starts within 15 s of it
    for i in range(n):
        order = ls if i % 2 == 0 else ls[::-1]
        for name, path, opts in order:
            if deadline and time.time() + 15 > deadline:
                print(f"# deadline: stopped before round {i} {name}", flush=True)
                print(f"# {time.strftime('%H:%M:%S', time.gmtime())} load {os.getloadavg()[0]:.2f}", flush=True)
                return
            load = os.getloadavg()[0]
            c0 = canary()
            r = boot(path, opts, f"sb67-{os.getpid()}-{name}")
            c1 = canary(0)
            c1b = canary(1)
            c2 = canary_pair()
            r.update(name=name, round=i, load=load, canary_before=c0, canary_after=c1, canary_after_cpu1=c1b, canary_pair=c2, t=time.strftime('%H:%M:%S', time.gmtime()))
            res.append(r)
            ic = r.get("init_cpu") or {}
            m = r.get("mem", {})
            print(f"{r['t']} {name:>6} r{i} load {load:5.2f} run {ic.get('run', 0):4.2f} C1 {ic.get('C1', 0):4.2f} C2 {ic.get('C2', 0):4.2f} "
                  f"tr {ic.get('translator', 0):4.2f} gc {ic.get('gc', 0):4.2f} wait {ic.get('run-wait', 0):4.2f} units {r.get('units')} "
                  f"fi {r.get('first_insn_s', 0):.2f} other {r.get('sys_other_s', float('nan')):.2f} {r.get('top_others', [])[:2]} cs {r.get('ctxsw')} flt {r.get('vm_delta', {}).get('pgfault', 0)} THP {m.get('AnonHugePages', 0) // 1024} MB of {m.get('Rss', 0) // 1024} | "
                  f"canary alu {c0[0]:.3f}/{c1[0]:.3f}/{c1b[0]:.3f} mem {c0[1]:.3f}/{c1[1]:.3f}/{c1b[1]:.3f} pair alu {c2[0][0]:.3f},{c2[1][0]:.3f} mem {c2[0][1]:.3f},{c2[1][1]:.3f}", flush=True)
            json.dump(res, open(out, "w"), indent=1)
    print(f"# {time.strftime('%H:%M:%S', time.gmtime())} load {os.getloadavg()[0]:.2f}", flush=True)

main()
