#!/usr/bin/env python3
"""Issue 9's first live checkpoint and the young collections inside it, A/B (a benchmark, not a test).

Boots fresh VMs of one workload (default memdirty) with two jars in turn (the order alternates per pair), takes the
first live checkpoint the way bench/restore.py does (SETTLE_S after the workload is ready), then --later more, each
VM with -Xlog:gc*,safepoint. Per VM: the boot's wall time, each checkpoint's pause and stall (the longest heartbeat
gap minus its period), and every young collection inside it: its pause, what it promoted (the old generation's
growth), the process's system CPU in it (-Xlog:gc+cpu: the first-touch page faults of promotion into fresh memory
are system time) and the safepoint's time to reach; the pause's CPU and parts (records, memory, disks, balloon); with
--java-opts=-Dvmckpt.capture.trace=true the pausing thread's faults, context switches and run-queue wait in the pause.
Prints a line per checkpoint; RESULTS/ckpt-gc-ab.json.

    bench/ckpt-gc-ab.py --base-jar /tmp/mainroot18/cli/target/vmckpt.jar --pairs 4 [--guest signed] [--later 3]
"""
import argparse
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper as P  # noqa: E402
import importlib  # noqa: E402

R = importlib.import_module("restore")


def collections(gc_log):
    """Per collection: start/end (CLOCK_MONOTONIC seconds, the JVM's timenanos), kind, pause ms, promoted KiB, sys s,
    and the safepoint's time to reach (ms) of the safepoint it ran in."""
    gcs, sps = {}, []
    for line in open(gc_log):
        m = re.match(r"\[\d+ms\]\[(\d+)ns\] GC\((\d+)\) (.*)", line)
        if m:
            t, n, txt = int(m.group(1)) / 1e9, int(m.group(2)), m.group(3)
            g = gcs.setdefault(n, {"n": n})
            mm = re.search(r"Pause (\w+).* ([\d.]+)ms$", txt)
            if mm:
                g.update(end=t, kind=mm.group(1), ms=float(mm.group(2)))
                g["start"] = t - g["ms"] / 1e3
            mm = re.search(r"(?:ParOldGen|PSOldGen): (\d+)K\(\d+K\)->(\d+)K", txt)
            if mm:
                g["promoted_kib"] = int(mm.group(2)) - int(mm.group(1))
                g["old_kib"] = int(mm.group(2))
            mm = re.search(r"User=([\d.]+)s Sys=([\d.]+)s", txt)
            if mm:
                g["user_s"], g["sys_s"] = float(mm.group(1)), float(mm.group(2))
        m = re.match(r"\[\d+ms\]\[(\d+)ns\] Safepoint \"(\w+)\".*Reaching safepoint: (\d+) ns.*Total: (\d+) ns", line)
        if m:
            sps.append({"at": int(m.group(1)) / 1e9, "op": m.group(2), "reach_ms": int(m.group(3)) / 1e6, "total_ms": int(m.group(4)) / 1e6})
    out = [g for g in gcs.values() if "end" in g]
    for g in out:  # the safepoint a collection ran in is logged just after it ends
        near = [s for s in sps if g["end"] - 0.001 <= s["at"] <= g["end"] + 0.05]
        if near:
            g["reach_ms"] = near[0]["reach_ms"]
    return out, sps


def capture_traces(err_log):
    """The pausing thread's counts per capture, from -Dvmckpt.capture.trace=true's lines (none without it):
    start/end (CLOCK_MONOTONIC s), pause and CPU ms, minor/major faults, voluntary/involuntary switches."""
    out = []
    try:
        text = open(err_log, errors="replace").read()
    except OSError:
        return out
    for m in re.finditer(r"capture trace: start (\d+) ns end (\d+) ns pause ([\d.]+) ms cpu ([\d.]+) ms; minflt (-?\d+) majflt (-?\d+) "
                         r"voluntary (-?\d+) involuntary (-?\d+)(?: run-queue wait ([\d.-]+) ms)?", text):
        out.append({"start": int(m.group(1)) / 1e9, "end": int(m.group(2)) / 1e9, "pause_ms": float(m.group(3)),
                    "cpu_ms": float(m.group(4)), "minflt": int(m.group(5)), "majflt": int(m.group(6)),
                    "voluntary": int(m.group(7)), "involuntary": int(m.group(8)),
                    "runqueue_ms": float(m.group(9)) if m.group(9) else None})
    return out


def thread_cpu(pid):
    """CPU seconds (user + system) by thread kind: the run thread (main), the collector's threads, the prefault
    thread, and the whole process."""
    out = {"main": 0.0, "gc": 0.0, "prefault": 0.0, "all": 0.0}
    tck = os.sysconf("SC_CLK_TCK")
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            try:
                st = open(f"/proc/{pid}/task/{t}/stat").read()
            except OSError:
                continue
            name = st[st.index("(") + 1:st.rindex(")")]
            f = st.rsplit(")", 1)[1].split()
            c = (int(f[11]) + int(f[12])) / tck
            out["all"] += c
            if name == "java":  # the launcher's thread and the JVM's main thread, which runs the guest
                out["main"] = max(out["main"], c)
            if name.startswith("GC Thread"):
                out["gc"] += c
            if name == "vmckpt-prefault":
                out["prefault"] += c
    except OSError:
        pass
    return {k: round(v, 2) for k, v in out.items()}


def one(vm, tag, args, wl, boot_args, logs):
    wl_arg, ready, hb = R.WORKLOADS[wl]
    gc_log = os.path.join(logs, f"{tag}.gclog")
    vm.java = [vm.java[0], f"-Xlog:gc*,safepoint:file={gc_log}:uptimemillis,timenanos"] + [o for o in vm.java[1:] if not o.startswith("-Xlog:gc*,safepoint")]
    repo = os.path.join(args.work, f"repo-{tag}")
    p, qmp, boot_s, _ = P.start_vmckpt(vm, tag, wl_arg, ready, repo, boot_args)
    boot_threads = thread_cpu(p.proc.pid)  # CPU by thread up to the first checkpoint (the boot, the settle)
    cks = [R.take(qmp, p.out, hb, f"{wl}-first")]
    for i in range(args.later):
        time.sleep(P.SPACING_S)
        cks.append(R.take(qmp, p.out, hb, f"{wl}-later-{i}"))
    # The process's CPU (user, system) before it stops, from /proc.
    cpu = None
    try:
        f = open(f"/proc/{p.proc.pid}/stat").read().rsplit(")", 1)[1].split()
        cpu = (int(f[11]) / os.sysconf("SC_CLK_TCK"), int(f[12]) / os.sysconf("SC_CLK_TCK"))
    except OSError:
        pass
    end_threads = thread_cpu(p.proc.pid)
    p.stop(qmp)
    gcs, sps = collections(gc_log)
    traces = capture_traces(os.path.join(logs, f"vmckpt-{tag}.err"))
    # inspect runs in a JVM of its own: without the VM's -Xlog file, which it would otherwise rotate away.
    vm.java = [o for o in vm.java if not o.startswith("-Xlog:gc*,safepoint:file=")]
    for c in cks:
        c["capture_trace"] = next((t for t in traces if c["t0"] <= t["start"] <= c["t1"]), None)
        st = vm.inspect(repo, c["id"]).get("stats", {})
        c["freeze_parts_ns"] = {k.split(".")[2]: v for k, v in st.items() if k.startswith("time.freeze.") and k.count(".") == 3 and k != "time.freeze.cpu.ns"}
        c["freeze_cpu_ms"] = st.get("time.freeze.cpu.ns", 0) / 1e6
        c["engine_gc_ms"] = st.get("gc.pause.ns", 0) / 1e6
        c["engine_gc_max_ms"] = st.get("gc.pause.max.ns", 0) / 1e6
        c["engine_gc_count"] = st.get("gc.pauses", 0)
        c["gcs"] = [g for g in gcs if g["end"] > c["t0"] and g["start"] < c["t1"]]
        c["late_safepoints"] = [s for s in sps if c["t0"] <= s["at"] <= c["t1"] + 0.05 and s["reach_ms"] > 5]
    import shutil
    shutil.rmtree(repo, ignore_errors=True)
    boot_gcs = [g for g in gcs if g["end"] < cks[0]["t0"]]
    return {"tag": tag, "boot_s": boot_s, "load": os.getloadavg()[0], "process_cpu_s": cpu, "checkpoints": cks,
            "boot_thread_cpu_s": boot_threads, "end_thread_cpu_s": end_threads,
            "boot_gc": {"count": len(boot_gcs), "ms": sum(g["ms"] for g in boot_gcs), "sys_s": sum(g.get("sys_s", 0) for g in boot_gcs)}}


def show(r):
    print(f"  {r['tag']}: boot {r['boot_s']:.1f} s (collections before the first checkpoint: {r['boot_gc']['count']}, {r['boot_gc']['ms']:.0f} ms, sys {r['boot_gc']['sys_s']:.2f} s); "
          f"process CPU user/sys {r['process_cpu_s']}; load {r['load']:.1f}", flush=True)
    print(f"    thread CPU s to the first checkpoint {r.get('boot_thread_cpu_s')}, to the end {r.get('end_thread_cpu_s')}", flush=True)
    for i, c in enumerate(r["checkpoints"]):
        g = c["gcs"]
        print(f"    {'first' if i == 0 else 'later'}: pause {c['downtime_ms']:.2f} ms stall {c['stall_ms']:.1f} ms total {c['total_ms']:.0f} ms; "
              f"{len(g)} collections {sum(x['ms'] for x in g):.0f} ms (longest {max((x['ms'] for x in g), default=0):.1f}), promoted "
              f"{sum(x.get('promoted_kib', 0) for x in g) / 1024:.0f} MiB, sys {sum(x.get('sys_s', 0) for x in g):.2f} s; "
              f"engine gc {c['engine_gc_count']} {c['engine_gc_ms']:.0f} ms max {c['engine_gc_max_ms']:.1f}; "
              f"safepoints reached late (>5 ms): {[round(s['reach_ms'], 1) for s in c['late_safepoints']]}", flush=True)
        tr = c.get("capture_trace")
        print(f"      pause CPU {c.get('freeze_cpu_ms', 0):.2f} ms, parts ms "
              f"{ {k: round(v / 1e6, 3) for k, v in c.get('freeze_parts_ns', {}).items()} }"
              + (f"; the pausing thread: minflt {tr['minflt']} majflt {tr['majflt']} voluntary {tr['voluntary']} involuntary {tr['involuntary']} run-queue wait {tr['runqueue_ms']} ms" if tr else ""), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(P.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--base-jar", required=True)
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--base-java-opts", default=None)
    ap.add_argument("--pairs", type=int, default=4)
    ap.add_argument("--later", type=int, default=3)
    ap.add_argument("--workload", default="memdirty")
    ap.add_argument("--guest", choices=("default", "signed"), default="signed")
    ap.add_argument("--results", default=os.path.join(P.ROOT, "bench", "results"))
    ap.add_argument("--work", default="/tmp/vmckpt-bench-ckpt-gc")
    args = ap.parse_args()
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(args.results, exist_ok=True)

    def vmckpt(jar, opts):
        vm = P.Vmckpt(argparse.Namespace(jar=jar, work=args.work))
        vm.java = vm.java[:1] + opts.split() + vm.java[1:]
        return vm

    jars = {"new": (args.jar, args.java_opts), "base": (args.base_jar, args.java_opts if args.base_java_opts is None else args.base_java_opts)}
    boot_args = ()
    g = R.signed_guest(args.work) if args.guest == "signed" else R.default_guest_copy(args.work) if args.workload == "memrandom" else None
    if g:
        if args.workload == "memrandom":
            R.add_memrandom(args.work, g)  # as bench/restore.py: memrandom.c added to the guest's initramfs
        boot_args = R.guest_boot_args(g)
    results = {"command": " ".join(sys.argv), "machine": P.machine_info(args.jar), "guest": args.guest, "pairs": []}
    for pair in range(args.pairs):
        order = ["new", "base"] if pair % 2 == 0 else ["base", "new"]
        got = {}
        for name in order:
            jar, opts = jars[name]
            got[name] = one(vmckpt(jar, opts), f"{name}-{pair}", args, args.workload, boot_args, logs)
            show(got[name])
        results["pairs"].append(got)
        with open(os.path.join(args.results, "ckpt-gc-ab.json"), "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
