#!/usr/bin/env python3
"""Where a migration's heartbeat gaps come from (a benchmark helper, not a test): one memdirty migration as in
bench/migrate.py (1 GiB default guest, heartbeat every 10 ms), with the host's scheduler traced around it
(`perf record` of sched_switch/sched_wakeup on every CPU, plus each write(2) to fd 1: the moment the guest's
console line leaves the JVM, before the pipe and this script's reader) and each JVM's collections and safepoints
logged (-Xlog:gc,safepoint on the monotonic clock, which perf is told to use too).

For every gap of more than --min-gap ms between the guest's heartbeats (stamped where the JVM writes them), in the
3 s before the migration and during it, prints on one axis: the run thread's time on a CPU, runnable but waiting for
one (the sum of its wake-to-run delays), and off (sleeping in the run loop's idle park, or blocked); the safepoints of
either JVM inside the gap; and what ran on the 2 CPUs meanwhile, by process and thread (source, destination, other).
Also the same gaps as this script's reader stamped them (what bench/migrate.py reports).

With --profile, the destination's threads are also sampled (perf's cpu-clock, every 0.2 ms, symbols of JIT-compiled
Java code from the JVM's perf map, written at its exit): for its switch-over, from the guest's first instruction there
to its first heartbeat, what the run thread ran (by symbol, and by 5 ms slice) and what its other threads ran. With
--dst-opts, extra JVM options for the destination (e.g. -Xlog:jit+compilation=debug,deoptimization=debug:file=F:tn);
the lines of such a log (decorated with tn) that fall in that span are printed too (--dst-log F), and with
--dst-lc F (the destination's -XX:+LogCompilation -XX:LogFile=F) the compilations that ran in it.

    bench/migrate-gaps.py [--mode postcopy] [--plain] [--jar JAR] [--min-gap 15] [--before 3]
                          [--profile] [--dst-opts="OPTS"] [--dst-log FILE] [--dst-lc FILE]
"""
import argparse
import collections
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402
import importlib
migrate = importlib.import_module("migrate")
from paper import Process, Qmp, now  # noqa: E402

HB = migrate.HB


def names(pid):
    out = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                out[int(tid)] = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            except OSError:
                pass
    except OSError:
        pass
    return out


SWITCH = re.compile(r"\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_switch:\s+prev_comm=(.*?) prev_pid=(\d+) prev_prio=\d+ prev_state=(\S+) ==> next_comm=(.*?) next_pid=(\d+)")
WAKE = re.compile(r"\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+sched:sched_wakeup:\s+comm=(.*?) pid=(\d+)")
WRITE = re.compile(r"\s*(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+syscalls:sys_enter_write:")


def profile_samples(perf_data):
    """cpu-clock samples per tid: [(t, symbol)] (Java methods named from the JVM's perf map)."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "trace:tid,time,event", "-F", "sw:tid,time,event,ip,sym,dso"],
                         capture_output=True, text=True).stdout
    per = collections.defaultdict(list)
    for line in out.splitlines():
        m = re.match(r"\s*(\d+)\s+([\d.]+):\s+cpu-clock:\s+[0-9a-f]+\s+(.*)$", line)
        if not m:
            continue
        rest = re.sub(r"\s*\(([^)]*)\)\s*$", lambda d: "" if d.group(1).startswith("/tmp/perf-") else f" [{os.path.basename(d.group(1))}]", m.group(3))
        per[int(m.group(1))].append((float(m.group(2)), rest.strip() or "?"))
    return per


def switch_profile(samples, who, comm, run_tid, started, first_hb, log_path, lc_path=None):
    """What the destination ran from its guest's first instruction to its first heartbeat: the run thread's samples by
    symbol and by 5 ms slice, the other threads' by thread, and the -Xlog lines stamped inside."""
    lo, hi = started - 0.001, first_hb
    print(f"\nthe destination's switch: guest started .. first heartbeat written = {(hi - started) * 1e3:.1f} ms (samples every 0.2 ms)")
    rt = run_tid.get("dst")
    mine = [(t, s) for t, s in samples.get(rt, []) if lo <= t <= hi]
    print(f"  run thread: {len(mine)} samples ({len(mine) * 0.2:.1f} ms on CPU)")
    for sym, n in collections.Counter(s for _, s in mine).most_common(25):
        print(f"    {n:4d}  {sym}")
    k = 0
    while started + k * 0.005 < hi:
        a, b = started + k * 0.005, min(hi, started + (k + 1) * 0.005)
        sl = collections.Counter(s for t, s in mine if a <= t < b)
        print(f"  +{k * 5:3d}..{(b - started) * 1e3:5.1f} ms: " + "; ".join(f"{n} {s}" for s, n in sl.most_common(6)))
        k += 1
    pid, table = who["dst"]
    others = collections.Counter()
    syms = collections.defaultdict(collections.Counter)
    for tid in table:
        if tid == rt:
            continue
        for t, s in samples.get(tid, []):
            if lo <= t <= hi:
                n = label(tid, who, comm)
                others[n] += 1
                syms[n][s] += 1
    print("  other destination threads (samples): " + ", ".join(f"{n} {c}" for n, c in others.most_common(10)))
    for n, _ in others.most_common(4):
        print(f"    {n}: " + "; ".join(f"{c} {s}" for s, c in syms[n].most_common(5)))
    if lc_path and log_path and os.path.exists(lc_path):
        inside = [t for t in compile_tasks(lc_path, log_path) if t[0] < hi and t[1] > lo - 0.001]
        print(f"  compilations running in it ({lc_path}; level 4 = C2; count = invocations when queued): {len(inside)}")
        for a, b, cid, lv, meth, cnt in inside:
            print(f"    {(a - started) * 1e3:+7.1f}..{(b - started) * 1e3:+7.1f} ms  id {cid} level {lv} count {cnt}  {meth[:110]}")
    if log_path and os.path.exists(log_path):
        print(f"  {log_path} lines inside:")
        with open(log_path) as f:
            for line in f:
                m = re.match(r"\[(\d+)ns\]", line)
                if m and lo - 0.002 <= int(m.group(1)) / 1e9 <= hi:
                    print(f"    {(int(m.group(1)) / 1e9 - started) * 1e3:+7.2f} ms {line.strip()[len(m.group(0)):][:200]}")


def compile_tasks(lc_path, jit_log):
    """The compilations of a -XX:+LogCompilation file on the monotonic clock: [(start s, end s, id, level, method,
    invocation count when queued)]. Its stamps count from the JVM's start; the offset comes from the compile ids that a
    -Xlog:jit+compilation=debug file with tn decorations (jit_log) also has (each line written as the task starts)."""
    starts, queued, tasks = {}, {}, []
    cur = None
    with open(lc_path, errors="replace") as f:
        for line in f:
            if line.startswith("<task_queued "):
                cid = re.search(r"compile_id='(\d+)'", line)
                cnt = re.search(r" count='(\d+)'", line)
                if cid:
                    queued[cid.group(1)] = cnt.group(1) if cnt else "?"
            elif line.startswith("<task "):
                cid = re.search(r"compile_id='(\d+)'", line).group(1)
                lv = re.search(r"level='(\d)'", line)
                cur = (cid, lv.group(1) if lv else "4", re.search(r"method='([^']*)'", line).group(1), float(re.search(r"stamp='([\d.]+)'", line).group(1)))
            elif line.startswith("<task_done") and cur:
                end = float(re.search(r"stamp='([\d.]+)'", line).group(1))
                tasks.append((cur[3], end, cur[0], cur[1], cur[2], queued.get(cur[0], "?")))
                cur = None
    byid = {t[2]: t[0] for t in tasks}
    offs = []
    with open(jit_log, errors="replace") as f:
        for line in f:
            m = re.match(r"\[(\d+)ns\]\s+(\d+)\s", line)
            if m and m.group(2) in byid:
                offs.append(int(m.group(1)) / 1e9 - byid[m.group(2)])
    if not offs:
        return []
    offs.sort()
    off = offs[len(offs) // 2]
    return [(a + off, b + off, cid, lv, meth, cnt) for a, b, cid, lv, meth, cnt in tasks]


def parse(perf_data):
    """Run intervals per tid [(cpu, start, end)], wakeups per tid [t], writes to fd 1 per tid [t], comm per tid."""
    out = subprocess.run(["perf", "script", "-i", perf_data, "-F", "tid,cpu,time,event,trace"], capture_output=True, text=True).stdout
    running = {}  # cpu -> (tid, since)
    runs = collections.defaultdict(list)
    wakes = collections.defaultdict(list)
    writes = collections.defaultdict(list)
    comm = {}
    for line in out.splitlines():
        m = SWITCH.match(line)
        if m:
            cpu, t = int(m.group(2)), float(m.group(3))
            prev, nxt = int(m.group(5)), int(m.group(8))
            comm.setdefault(prev, m.group(4))
            comm.setdefault(nxt, m.group(7))
            if m.group(6).startswith("R"):
                wakes[prev].append(t)  # preempted: runnable from now on, as after a wakeup
            r = running.get(cpu)
            if r and r[0] == prev:
                runs[prev].append((cpu, r[1], t))
            running[cpu] = (nxt, t)
            continue
        m = WAKE.match(line)
        if m:
            wakes[int(m.group(5))].append(float(m.group(3)))
            continue
        m = WRITE.match(line)
        if m:
            writes[int(m.group(1))].append(float(m.group(3)))
    return runs, wakes, writes, comm


def overlap(a, b, lo, hi):
    return max(0.0, min(b, hi) - max(a, lo))


def label(tid, who, comm):
    for name, (pid, table) in who.items():
        if tid in table:
            return f"{name}:{re.sub(r'#?[0-9]+$', '#', table[tid])}"
    c = comm.get(tid, "?")
    return "other:" + re.sub(r"[/:#]?[0-9]+$", "", c)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", default="postcopy")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--jar", default=os.path.join(paper.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--work", default="/tmp/vmckpt-migrate-gaps")
    ap.add_argument("--min-gap", type=float, default=15.0)
    ap.add_argument("--before", type=float, default=3.0, help="seconds traced before the migration, no migration running")
    ap.add_argument("--tag", default="")
    ap.add_argument("--profile", action="store_true", help="sample the destination's threads (perf cpu-clock) across the switch")
    ap.add_argument("--dst-opts", default="", help="extra JVM options for the destination")
    ap.add_argument("--dst-lc", default=None, help="the destination's -XX:LogFile (LogCompilation), with --dst-log for the clock")
    ap.add_argument("--dst-log", default=None, help="a -Xlog file (tn decorations) of the destination to show across the switch")
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs)
    creds = migrate.make_certs(os.path.join(args.work, "creds"))
    vm = paper.Vmckpt(argparse.Namespace(jar=args.jar, work=args.work))
    wl, ready = migrate.WORKLOADS["memdirty"]
    tls = not args.plain
    tag = f"{args.mode}-{'tls' if tls else 'plain'}{args.tag}"
    gc = (os.path.join(logs, tag + "-src.gc"), os.path.join(logs, tag + "-dst.gc"))
    port = migrate.free_port()
    sec = ["--tls-creds", creds] if tls else ["--insecure"]
    common = ["--mem", "1G", "--workload", wl]
    ssock, dsock = os.path.join(args.work, "src.sock"), os.path.join(args.work, "dst.sock")
    src = Process(migrate.gc_cmd(vm.cmd("run", *common, "--repo", os.path.join(args.work, "repo"), *sec, "--api-socket", ssock), gc, 0),
                  os.path.join(logs, tag + "-src"), env=vm.env)
    dcmd = migrate.gc_cmd(vm.cmd("run", *common, "--repo", os.path.join(args.work, "repo-dst"), *sec, "--api-socket", dsock,
                                 "--incoming", f"tcp:127.0.0.1:{port}"), gc, 1)
    extra = args.dst_opts.split()
    if extra:
        at = dcmd.index("-jar")
        dcmd = dcmd[:at] + extra + dcmd[at:]
    dst = Process(dcmd, os.path.join(logs, tag + "-dst"), env=vm.env)
    perf_data = os.path.join(args.work, "sched.data")
    perf = None
    try:
        if not src.out.wait_for(ready, 300):
            raise RuntimeError("the source never got ready")
        qmp = Qmp(ssock)
        time.sleep(paper.SETTLE_S)
        qmp.execute("vmckpt-checkpoint", {"live": True})  # as bench/migrate.py does before it migrates
        time.sleep(paper.SETTLE_S)
        if not dst.err.wait_for("waiting for a migration", 120):
            raise RuntimeError("the destination is not listening")
        perf = subprocess.Popen(["perf", "record", "-q", "-k", "CLOCK_MONOTONIC", "-a", "-e", "sched:sched_switch", "-e", "sched:sched_wakeup",
                                 "-e", "syscalls:sys_enter_write", "--filter", "fd == 1"]
                                + (["-e", "cpu-clock", "-c", "200000"] if args.profile else []) + ["-o", perf_data],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen = {"src": {}, "dst": {}}  # thread names, kept as threads come and go
        stop_names = threading.Event()

        def watch():
            while not stop_names.is_set():
                for end, p in (("src", src), ("dst", dst)):
                    seen[end].update(names(p.proc.pid))
                stop_names.wait(0.2)
        threading.Thread(target=watch, daemon=True).start()
        time.sleep(0.3)
        tb = now()
        time.sleep(args.before)
        load0 = os.getloadavg()[0]
        t0 = now()
        qmp.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}", "mode": args.mode})
        while True:
            info = qmp.execute("query-migrate")
            if info.get("status") in ("completed", "failed", "cancelled", "postcopy-paused"):
                break
            time.sleep(0.01)
        t1 = now()
        time.sleep(0.3)
        if args.profile:  # the JIT's code as it stands now, for perf's symbols (DumpPerfMapAtExit needs a clean exit)
            subprocess.run(["jcmd", str(dst.proc.pid), "Compiler.perfmap"], capture_output=True)
        perf.send_signal(signal.SIGINT)
        perf.wait(30)
        load1 = os.getloadavg()[0]
        stop_names.set()
        for end, p in (("src", src), ("dst", dst)):
            seen[end].update(names(p.proc.pid))
        who = {"src": (src.proc.pid, seen["src"]), "dst": (dst.proc.pid, seen["dst"])}
        qmp.close()
    finally:
        if perf and perf.poll() is None:
            perf.send_signal(signal.SIGINT)
            perf.wait(30)
        src.stop(None)
        try:
            dq = Qmp(dsock, timeout=2)
        except RuntimeError:
            dq = None
        dst.stop(dq)

    runs, wakes, writes, comm = parse(perf_data)
    samples = profile_samples(perf_data) if args.profile else {}
    stop = info.get("vmckpt-stop") or {}
    print(f"# {tag}, jar {args.jar}, load {load0:.1f} -> {load1:.1f}, status {info.get('status')}, total {info.get('total-time')} ms, "
          f"rounds {info.get('ram', {}).get('dirty-sync-count')}, downtime {info.get('downtime-ns', 0) / 1e6:.1f} ms")
    paused = stop.get("paused-at-monotonic-ns", 0) / 1e9
    go = stop.get("go-at-monotonic-ns", 0) / 1e9
    # The run thread of each end: the thread that writes the console to fd 1.
    run_tid = {}
    for end in ("src", "dst"):
        pid, table = who[end]
        cands = [(len(writes[t]), t) for t in table if writes.get(t)]
        if cands:
            run_tid[end] = max(cands)[1]
    rel = lambda t: f"{(t - t0) * 1e3:+.1f}"
    print(f"axis: ms from the migrate command; traced from {rel(tb)}; migration ended {rel(t1)}; paused {rel(paused) if paused else '-'}; GO sent {rel(go) if go else '-'}")
    stw = []
    for end, path in zip(("src", "dst"), gc):
        for a, b, what in migrate.pauses(path):
            stw.append((a, b, f"{end} {what}"))
    # Heartbeats where the JVM wrote them (the run thread's writes to fd 1), both ends, and where this script read them.
    hb_w = sorted([(t, "src") for t in writes.get(run_tid.get("src"), [])] + [(t, "dst") for t in writes.get(run_tid.get("dst"), [])])
    hb_w = [x for x in hb_w if tb <= x[0] <= t1 + 0.3]
    hb_r = sorted([(t, "src") for t, _ in src.out.matches(HB)] + [(t, "dst") for t, _ in dst.out.matches(HB)])
    hb_r = [x for x in hb_r if tb <= x[0] <= t1 + 0.3]

    def longest(seq, lo, hi):
        g = [(b[0] - a[0], a[0]) for a, b in zip(seq, seq[1:]) if lo <= a[0] and b[0] <= hi + 0.3]
        return max(g, default=(0, 0))

    for name, seq in (("written", hb_w), ("read", hb_r)):
        gb = longest(seq, tb, t0)
        gm = longest(seq, t0, t1)
        print(f"longest gap ({name}): before the migration {gb[0] * 1e3:.1f} ms at {rel(gb[1])}; during it {gm[0] * 1e3:.1f} ms at {rel(gm[1])}; "
              f"heartbeats {len(seq)}")
    # Each end's young collections during the migration: how many, their pauses, and how much the heap grew across
    # them (what they promoted, less what they freed).
    for end, path in zip(("src", "dst"), gc):
        ys = []
        try:
            for line in open(path):
                m = re.match(r"\[(\d+)ns\] GC\(\d+\) Pause Young .*? (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms", line)
                if m and t0 <= int(m.group(1)) / 1e9 <= t1:
                    ys.append((int(m.group(2)), int(m.group(3)), float(m.group(4))))
        except OSError:
            pass
        if ys:
            grown = sum(b - a for a, b, _ in ys)
            print(f"{end} young collections during the migration: {len(ys)}, pauses {sum(x[2] for x in ys):.0f} ms in all, longest "
                  f"{max(x[2] for x in ys):.1f} ms, heap after each (MiB): {' '.join(str(x[1]) for x in ys)}")
    def window(rt, lo, hi):
        """The run thread rt over [lo, hi]: seconds on a CPU, runnable waiting for one, and what ran on the CPUs by thread."""
        on = sum(overlap(s, e, lo, hi) for _, s, e in runs.get(rt, []))
        starts = sorted(s for _, s, _ in runs.get(rt, []))
        wait = 0.0
        for w in sorted(wakes.get(rt, [])):
            if w > hi:
                break
            nxt = next((s for s in starts if s >= w), hi)
            if nxt > lo:
                wait += max(0.0, min(nxt, hi) - max(w, lo))
        per = collections.Counter()
        for tid, rs in runs.items():
            for cpu, s, e in rs:
                o = overlap(s, e, lo, hi)
                if o > 0:
                    per[label(tid, who, comm)] += o
        return on, wait, per

    for a, b in zip(hb_w, hb_w[1:]):
        gap = (b[0] - a[0]) * 1e3
        if gap < args.min_gap:
            continue
        lo, hi = a[0], b[0]
        phase = "before" if hi <= t0 else ("switch" if paused and lo <= go + 0.05 and hi >= paused - 0.001 else "migration")
        end = a[1] if a[1] == b[1] else a[1] + "->" + b[1]
        rt = run_tid.get(b[1])
        on = sum(overlap(s, e, lo, hi) for _, s, e in runs.get(rt, []))
        # Waiting for a CPU: from each wakeup inside the gap to the thread's next switch-in.
        starts = sorted(s for _, s, _ in runs.get(rt, []))
        wait = 0.0
        for w in sorted(wakes.get(rt, [])):
            if w > hi:
                break
            nxt = next((s for s in starts if s >= w), hi)
            if nxt > lo:
                wait += max(0.0, min(nxt, hi) - max(w, lo))
        per = collections.Counter()
        for tid, rs in runs.items():
            for cpu, s, e in rs:
                o = overlap(s, e, lo, hi)
                if o > 0:
                    per[label(tid, who, comm)] += o
        busy = sum(per.values()) - per.get("other:swapper", 0)
        stws = [f"{w} {(a2 - t0) * 1e3:+.1f}..{(b2 - t0) * 1e3:+.1f} ({(b2 - a2) * 1e3:.1f} ms)" for a2, b2, w in stw if a2 < hi and b2 > lo]
        print(f"\ngap {gap:.1f} ms [{phase}, {end}] {rel(lo)}..{rel(hi)}: run thread on CPU {on * 1e3:.1f} ms, waiting for a CPU {wait * 1e3:.1f} ms, "
              f"off {(hi - lo - on - wait) * 1e3:.1f} ms; CPUs busy {busy * 1e3:.1f} of {2 * (hi - lo) * 1e3:.1f} ms")
        print("  safepoints: " + ("; ".join(stws) or "none"))
        print("  ran: " + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in per.most_common(12) if k != "other:swapper"))
    m = dst.err.matches(r"GO received (\d+), guest started (\d+)")
    firsts = [t for t, e in hb_w if e == "dst"]
    if m and firsts:
        started = int(m[0][1].group(2)) / 1e9
        first = min((t for t in firsts if t >= started), default=None)
        rt = run_tid.get("dst")
        if first is not None:
            on = sum(overlap(s, e, started, first) for _, s, e in runs.get(rt, []))
            print(f"\ndestination: GO received {rel(int(m[0][1].group(1)) / 1e9)}, guest started {rel(started)}, first heartbeat written {rel(first)}: "
                  f"run thread on CPU {on * 1e3:.1f} of {(first - started) * 1e3:.1f} ms")
            # The switch in steps, each with the thread that carries it (source's pause to GO: the source's migration
            # thread; GO to the guest's first instruction and on to the first heartbeat: the destination's run thread).
            last_src = max((t for t, e in hb_w if e == "src" and t <= (paused or started)), default=None)
            steps = [("last source heartbeat .. pause", last_src, paused, run_tid.get("src")),
                     ("pause .. GO sent", paused, go, None), ("GO sent .. guest started", go, started, rt),
                     ("guest started .. first heartbeat", started, first, rt)]
            for name, lo, hi, tid in steps:
                if lo is None or hi is None or hi <= lo:
                    continue
                on2, wait2, per2 = window(tid, lo, hi) if tid else (0.0, 0.0, window(None, lo, hi)[2])
                busy = sum(per2.values()) - per2.get("other:swapper", 0)
                head = f"  {name}: {(hi - lo) * 1e3:.1f} ms"
                if tid:
                    head += f" (run thread on CPU {on2 * 1e3:.1f}, waiting {wait2 * 1e3:.1f}, off {(hi - lo - on2 - wait2) * 1e3:.1f})"
                print(head + f"; CPUs busy {busy * 1e3:.1f} of {2 * (hi - lo) * 1e3:.1f}: "
                      + ", ".join(f"{k} {v * 1e3:.1f}" for k, v in per2.most_common(8) if k != "other:swapper"))
            # The destination run thread's slices on a CPU from its start to its first heartbeat (ms from the start).
            sl = [(s, e) for _, s, e in runs.get(rt, []) if e > started and s < first]
            print("  run thread's slices on a CPU after the start (ms from it): "
                  + " ".join(f"{(max(s, started) - started) * 1e3:.1f}-{(min(e, first) - started) * 1e3:.1f}" for s, e in sl))
            if args.profile:
                switch_profile(samples, who, comm, run_tid, started, first, args.dst_log, args.dst_lc)


if __name__ == "__main__":
    main()
