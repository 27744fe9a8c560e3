#!/usr/bin/env python3
"""Where one migration's time and CPU go, on both ends (a benchmark helper, not a test): a 1 GiB default guest
running memdirty (or idle) migrates once over loopback, as in bench/migrate.py, with the launcher's JVM options.
Prints: the source's query-migrate sampled every 10 ms (status, rounds, pages and bytes sent: when each round and
the switch-over happened), and each end's CPU by thread over the migration (from /proc/PID/task/*/stat, threads
that ended inside it as "(exited threads)"). With --jfr, each end also records a JFR profile (ExecutionSample
every 10 ms of Java code, per thread) to WORK/logs/TAG-{src,dst}.jfr, and the top frames of the migration's
threads inside the migration's window are printed (`jfr print`).

    bench/migrate-threads.py [--mode precopy|postcopy] [--plain] [--workload memdirty|idle] [--jar JAR] [--jfr]
"""
import argparse
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402
import importlib
migrate = importlib.import_module("migrate")
from paper import Process, Qmp, now  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def threads(pid):
    """CPU seconds per thread name (numbers folded to #), and the process's total."""
    per = collections.Counter()
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            comm = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            st = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        f = st.rsplit(")", 1)[1].split()
        per[re.sub(r"#?\d+$", "#", comm)] += (int(f[11]) + int(f[12])) / TICK
    pf = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return per, (int(pf[11]) + int(pf[12])) / TICK


def diff(a, b):
    (pa, ta), (pb, tb) = a, b
    d = collections.Counter({k: pb[k] - pa.get(k, 0) for k in pb})
    d["(exited threads)"] = (tb - ta) - sum(d.values())
    return d, tb - ta


def jfr_top(path, t0_wall, t1_wall, limit=14):
    """Top frames (and top 3-frame stacks) per thread of jdk.ExecutionSample inside [t0, t1] (wall clock, s)."""
    try:
        out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", path], capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        return f"(jfr print failed: {e})"
    events = json.loads(out)["recording"]["events"]
    per = collections.defaultdict(collections.Counter)
    for e in events:
        v = e["values"]
        t = v["startTime"]  # ISO 8601
        ts = time.mktime(time.strptime(t[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0." + (t[20:].rstrip("Z").split("+")[0] or "0"))
        if not (t0_wall <= ts <= t1_wall):
            continue
        name = (v.get("sampledThread") or {}).get("javaName") or "?"
        frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
        top = [f"{f['method']['type']['name'].rsplit('.', 1)[-1]}.{f['method']['name']}" for f in frames[:1]]
        per[name][" < ".join(top) or "?"] += 1
    lines = []
    for name, c in sorted(per.items(), key=lambda x: -sum(x[1].values())):
        n = sum(c.values())
        if n < 5:
            continue
        lines.append(f"  {name}: {n} samples: " + ", ".join(f"{k} {v * 100 // n}%" for k, v in c.most_common(limit)))
    return "\n".join(lines)


def process_age(pid):
    """Seconds since the process started (its start time in /proc/PID/stat, field 22, in clock ticks since boot)."""
    with open(f"/proc/{pid}/stat") as f:
        start = int(f.read().rsplit(")", 1)[1].split()[19]) / os.sysconf("SC_CLK_TCK")
    with open("/proc/uptime") as f:
        return float(f.read().split()[0]) - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="precopy")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--workload", default="memdirty")
    ap.add_argument("--jar", default=os.path.join(paper.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--work", default="/tmp/vmckpt-migrate-threads")
    ap.add_argument("--jfr", action="store_true")
    ap.add_argument("--perf", default=None, help="record every CPU with perf (cpu-clock) into this file and print the "
                                                "migration's window by thread and library, and by symbol")
    ap.add_argument("--dst-opts", default="", help="extra JVM options for the destination only")
    ap.add_argument("--src-opts", default="", help="extra JVM options for the source only")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(os.path.join(args.work, "logs"))
    creds = migrate.make_certs(os.path.join(args.work, "creds"))
    vm = paper.Vmckpt(argparse.Namespace(jar=args.jar, work=args.work))
    wl, ready = migrate.WORKLOADS[args.workload]
    tls = not args.plain
    tag = f"{args.workload}-{args.mode}-{'tls' if tls else 'plain'}"
    logs = os.path.join(args.work, "logs")
    port = migrate.free_port()
    sec = ["--tls-creds", creds] if tls else ["--insecure"]
    common = ["--mem", "1G"] + (["--workload", wl] if wl else [])
    ssock, dsock = os.path.join(args.work, "src.sock"), os.path.join(args.work, "dst.sock")

    def cmd(c, who):
        at = c.index("-jar")
        extra = (args.dst_opts if who == "dst" else args.src_opts).split()
        if args.jfr:
            extra.append(f"-XX:StartFlightRecording=filename={logs}/{tag}-{who}.jfr,settings=profile,dumponexit=true")
        return c[:at] + extra + c[at:]

    src = Process(cmd(vm.cmd("run", *common, "--repo", os.path.join(args.work, "repo"), *sec, "--api-socket", ssock), "src"),
                  os.path.join(logs, tag + "-src"), env=vm.env)
    dst = Process(cmd(vm.cmd("run", *common, "--repo", os.path.join(args.work, "repo-dst"), *sec, "--api-socket", dsock,
                             "--incoming", f"tcp:127.0.0.1:{port}"), "dst"), os.path.join(logs, tag + "-dst"), env=vm.env)
    perf, perf_window = None, None
    try:
        if not src.out.wait_for(ready, 300):
            raise RuntimeError("the source never got ready")
        qmp = Qmp(ssock)
        time.sleep(paper.SETTLE_S * 2)
        if not dst.err.wait_for("waiting for a migration", 60):
            raise RuntimeError("the destination is not listening")
        if args.perf:  # every CPU sampled (cpu-clock, ~1 kHz) on the monotonic clock, to split the window by thread and library
            perf = subprocess.Popen(["perf", "record", "-a", "-k", "mono", "-F", "997", "-e", "cpu-clock", "-o", args.perf],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        s0, d0 = threads(src.proc.pid), threads(dst.proc.pid)
        up0 = (process_age(src.proc.pid), process_age(dst.proc.pid))
        w0 = time.time()
        t0 = now()
        qmp.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}", "mode": args.mode})
        line = []
        last = None
        while True:
            info = qmp.execute("query-migrate")
            ram = info.get("ram", {})
            key = (info.get("status"), ram.get("dirty-sync-count"))
            if key != last:
                line.append(f"{(now() - t0) * 1e3:7.0f} ms {info.get('status'):16} round {ram.get('dirty-sync-count')} pages sent "
                            f"{ram.get('normal')} bytes {ram.get('transferred', 0) / 2**20:.1f} MiB remaining {ram.get('remaining')}")
                last = key
            if info.get("status") in ("completed", "failed", "cancelled", "postcopy-paused"):
                break
            time.sleep(0.01)
        t1 = now()
        w1 = time.time()
        s1, d1 = threads(src.proc.pid), threads(dst.proc.pid)
        print(f"# {tag}, jar {args.jar}, load {os.getloadavg()[0]:.1f}, wall {(t1 - t0):.2f} s, total {info.get('total-time')} ms, "
              f"setup {info.get('setup-time')} ms, downtime {info.get('downtime-ns', 0) / 1e6:.1f} ms, "
              f"sent {info['ram']['transferred'] / 2**20:.1f} MiB, rounds {info['ram'].get('dirty-sync-count')}")
        print("\n".join(line))
        print("stop:", json.dumps(info.get("vmckpt-stop")))
        # For bench/migrate-compiles.py --from/--seconds: the processes' age (about the JVM's uptime, the stamps of
        # -XX:+LogCompilation) when the migration started, and its length.
        print(f"window in process age: source {up0[0]:.2f} s, destination {up0[1]:.2f} s, for {t1 - t0:.2f} s")
        if perf is not None:
            time.sleep(0.05)
            perf.send_signal(2)
            perf.wait(30)
            perf_window = (t0, t1, src.proc.pid, dst.proc.pid)
        for who, a, b in (("source", s0, s1), ("destination", d0, d1)):
            d, tot = diff(a, b)
            print(f"{who} CPU {tot:.2f} s: " + ", ".join(f"{k} {v:.2f}" for k, v in d.most_common() if abs(v) >= 0.01))
        qmp.close()
    finally:
        src.stop(None)
        try:
            dq = Qmp(dsock, timeout=2)
        except RuntimeError:
            dq = None
        dst.stop(dq)
    if perf_window is not None:  # after both JVMs exited: their perf maps (-XX:+DumpPerfMapAtExit) name JIT-compiled code
        t0, t1, spid, dpid = perf_window
        span = f"{t0:.6f},{t1:.6f}"
        for who, pid in (("source", spid), ("destination", dpid)):
            out = subprocess.run(["perf", "report", "-i", args.perf, "--time", span, "--pid", str(pid), "--sort", "comm,dso",
                                  "--stdio", "-q", "--percent-limit", "0.5"], capture_output=True, text=True).stdout
            print(f"\n{who} (pid {pid}), samples by thread and library in the migration's window (perf, % of its samples):\n{out}")
            out = subprocess.run(["perf", "report", "-i", args.perf, "--time", span, "--pid", str(pid), "--sort", "comm,sym",
                                  "--stdio", "-q", "--percent-limit", "1"], capture_output=True, text=True).stdout
            print(f"{who}, by thread and symbol (>= 1%):\n{out}")
    if args.jfr:
        for who in ("src", "dst"):
            print(f"JFR {who} (samples inside the migration, by thread, top frames):")
            print(jfr_top(f"{logs}/{tag}-{who}.jfr", w0, w1))


if __name__ == "__main__":
    main()
