#!/usr/bin/env python3
"""Live migration against QEMU (issue 12): a benchmark, not a test.

A 1 GiB default guest running memdirty (256 MiB at 10%/s, heartbeat every 10 ms) or idle migrates over
loopback from one process to another: vmckpt (pre-copy and post-copy) and QEMU's `migrate` to `-incoming`
(pre-copy, its default), each with TLS (tls-creds-x509, both ends authenticated) and without, interleaved in
the same run. For each migration: the guest's longest stall (the longest gap between consecutive heartbeats
across both consoles, from the last one before `migrate` to the first after completion), the reported
downtime, total time, bytes sent, the CPU seconds both vmckpt processes used during it (a figure the host's load
disturbs less than wall times), the load average; and the size of a vmckpt checkpoint of the same guest just before
and of the source as it stopped at switch-over (the state the migration moved: the fair bound for bytes sent), and
a checkpoint of the destination once the migration completed, with each one's references (boot files, disk) beside
the source's: a migrated VM's checkpoints should be as small as the source's.

    bench/migrate.py [--reps 1] [--workloads memdirty,idle,memrandom] [--modes precopy,postcopy,at-once] [--no-qemu]
                     [--jar cli/target/vmckpt.jar] [--base-jar OTHER.jar] [--gc-log] [--jit-log]
                     [--results bench/results] [--work /tmp/vmckpt-migrate-bench]

--jit-log: each destination also logs its compilations, and each row gets "jit": the C2 compilations running from
0.2 s before its guest started to 1 s after (each takes one of the host's cores while the guest starts there), and
the compilations that started between the guest's start and its first heartbeat (methods that ran cold there).

--base-jar adds, before each vmckpt migration, the same migration with another build (system "vmckpt-base"):
an A/B in the same run, interleaved.

--busy N starts N spinning processes (in a session of their own by default) 3 s before each migration, vmckpt's and
QEMU's alike, and ends them once the destination's first half second is over. --tls yes|no runs one of the two only;
--stop-at HH:MM starts no migration after that time (UTC). The longest stall is the longest gap between heartbeats from
the last one before `migrate` (as before); each row also gives the longest gap that starts after `migrate` was sent.

Each memdirty/memrandom row also says, for every gap over 30 ms, how late the guest itself came back from it (its heartbeats
are numbered on a grid of its own time: a gap the guest was not late for is the console's path, not a stall), and with
--gc-log which stop-the-world pauses of either end lay inside it. Each migration's checkpoint repositories are removed once
measured (a series of 1 GiB guests filled the disk).

Writes RESULTS/migrate.json and prints a table. Needs openssl for the certificates. Reuses bench/paper.py's
process, QMP and heartbeat helpers.
"""
import argparse
import importlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402
from paper import Process, Qmp, cpu_split, memory_counts, now  # noqa: E402

HB = r"mem(?:dirty|random) heartbeat (\d+)"
WORKLOADS = {
    "memdirty": ("memdirty,256,10,10", "memdirty ready"),
    "idle": (None, "VMCKPT-READY"),
    # memdirty with memory that does not compress (bench/workloads/memrandom.c): both ends boot a copy of the default
    # guest with it added to the initramfs (bench/restore.py's add_memrandom), QEMU too
    "memrandom": ("memrandom,256,10,10", "memrandom ready"),
}
# `vmckpt run` options that boot the guest copy with memrandom, and its directory for guest/qemu-boot.sh --guest (main())
GUEST_ARGS = []
GUEST_DIR = None
IDLE_PROBE_MS = 10


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_certs(d):
    os.makedirs(d, exist_ok=True)
    def ossl(*a):
        subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    ossl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca-key.pem",
         "-out", "ca-cert.pem", "-days", "2", "-subj", "/CN=bench CA")
    with open(os.path.join(d, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for who in ("server", "client"):
        ossl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{who}-key.pem",
             "-out", f"{who}.csr", "-subj", f"/CN={who}")
        ossl("x509", "-req", "-in", f"{who}.csr", "-CA", "ca-cert.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
             "-out", f"{who}-cert.pem", "-days", "2", "-extfile", "ext.cnf")
    return d


def stall(src_out, dst_out, regex, t0, t1):
    """Longest gap between consecutive heartbeats of the source and then the destination around [t0, t1]."""
    deadline = now() + 10
    while now() < deadline and not any(t > t1 for t, _ in dst_out.matches(regex)[-3:]):
        time.sleep(0.02)
    times = sorted(set([t for t, _ in src_out.matches(regex)] + [t for t, _ in dst_out.matches(regex)]))
    before = [t for t in times if t <= t0]
    after = [t for t in times if t > t1]
    if not before or not after:
        return None
    seq = [before[-1]] + [t for t in times if t0 < t <= t1] + [after[0]]
    return max(b - a for a, b in zip(seq, seq[1:]))


def stall_from_migrate(src_out, dst_out, regex, t0, t1):
    """As stall(), but only the gaps that start after `migrate` was sent (t0): stall() counts the gap from the last
    heartbeat before t0, which under load may have begun long before the migration did (round 58: 218 ms of a 681 ms
    gap lay before `migrate`). A stall that the migration itself starts at once falls in that first gap, so both are
    reported; the table's "longest stall" is still stall()'s."""
    times = sorted(set([t for t, _ in src_out.matches(regex)] + [t for t, _ in dst_out.matches(regex)]))
    after = [t for t in times if t > t1]
    if not after:
        return None
    seq = [t for t in times if t0 < t <= t1] + [after[0]]
    return max((b - a for a, b in zip(seq, seq[1:])), default=None)


def gaps_over(src_out, dst_out, regex, t0, t1, floor_s=0.015, after_s=0.5):
    """Every gap over floor_s between consecutive heartbeats (the source's, then the destination's) from the last one
    before t0 to t1 + after_s (the migration, its switch-over and the destination's first half second), in ms, in
    order: how many long gaps a migration has, not only the longest."""
    times = sorted(set([t for t, _ in src_out.matches(regex)] + [t for t, _ in dst_out.matches(regex)]))
    before = [t for t in times if t <= t0]
    if not before:
        return None
    seq = [before[-1]] + [t for t in times if t0 < t <= t1 + after_s]
    return [round((b - a) * 1e3, 1) for a, b in zip(seq, seq[1:]) if b - a > floor_s]


def heartbeat_period(workload_args):
    """The heartbeat period of a memdirty/memrandom workload's arguments ("name,MIB,PERCENT,HEARTBEAT_MS"), in seconds."""
    parts = workload_args.split(",")
    return int(parts[3]) / 1e3 if len(parts) > 3 else 0.1


def late_gaps(src_out, dst_out, regex, t0, t1, period_s, floor_s=0.030, after_s=0.5, settle_s=0.2):
    """Each gap over floor_s between heartbeats (as gaps_over: the source's, then the destination's, from the last one
    before t0 to t1 + after_s), with how late the guest itself fell over it: [gap ms, late ms]. The workload prints its
    heartbeats numbered one by one on a grid of period_s of its own time, skipping the periods it missed (memdirty's
    loop), so a guest that did not run for a while comes back late by that much for good, while lines that only reached
    this script late (the console's path: the host's output, this script's reader) arrive in a burst and the grid
    holds. Late = (t(c) - t(a)) - (n(c) - n(a)) x period, where a is the heartbeat before the gap and c the first one
    settle_s after its end (other stalls in that span count too); -1 where no heartbeat came that late."""
    hb = sorted(set([(t, int(m.group(1))) for t, m in src_out.matches(regex)] + [(t, int(m.group(1))) for t, m in dst_out.matches(regex)]))
    before = [x for x in hb if x[0] <= t0]
    if not before:
        return None
    seq = [before[-1]] + [x for x in hb if t0 < x[0] <= t1 + after_s]
    out = []
    for a, b in zip(seq, seq[1:]):
        if b[0] - a[0] <= floor_s:
            continue
        later = [x for x in hb if x[0] >= b[0] + settle_s]
        late = -1.0
        if later:
            c = later[0]
            late = (c[0] - a[0]) - (c[1] - a[1]) * period_s
        out.append([round((b[0] - a[0]) * 1e3, 1), round(late * 1e3, 1) if late != -1.0 else -1.0])
    return out


def normal_gap(out):
    """The longest gap between heartbeats in the 3 s before now: the guest's stalls without any migration."""
    t = now()
    times = [x for x, _ in out.matches(HB) if x >= t - 3.0]
    return max((b - a for a, b in zip(times, times[1:])), default=None)


def split_delta(a, b):
    """[user, system] CPU seconds between two cpu_split readings (None if either failed)."""
    return [round(b[0] - a[0], 2), round(b[1] - a[1], 2)] if a and b else None


def cpu_delta(a, b):
    """User + system CPU seconds between two cpu_split readings (None if either failed)."""
    return (b[0] + b[1]) - (a[0] + a[1]) if a and b else None


def thread_ticks(pid):
    """{tid: (name, user + system clock ticks)} of a process's threads now (the JVM names its threads; the kernel keeps 15
    characters of the name)."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                st = f.read()
            name = st[st.index("(") + 1:st.rindex(")")]
            rest = st.rsplit(")", 1)[1].split()
            out[tid] = (name, int(rest[11]) + int(rest[12]))
        except (OSError, ValueError, IndexError):
            pass
    return out


class ThreadCpu:
    """Per-thread CPU of one process over a span, by thread name (digits and '#' dropped: "GC Thread#1" is "GC Thread"):
    sampled from the span's start, while it runs (a thread that ends in the span, such as a migration's sender, keeps
    what its last sample saw) and at its end."""

    def __init__(self, pid):
        self.pid = pid
        self.first = thread_ticks(pid)
        self.last = dict(self.first)

    def sample(self):
        self.last.update(thread_ticks(self.pid))

    def seconds(self):
        tck = os.sysconf("SC_CLK_TCK")
        by = {}
        for tid, (name, ticks) in self.last.items():
            before = self.first.get(tid, (name, 0))[1]
            key = re.sub(r"[#\d]+$", "", name).strip() or name
            by[key] = by.get(key, 0) + (ticks - before) / tck
        return {k: round(v, 2) for k, v in sorted(by.items(), key=lambda kv: -kv[1]) if v > 0}


BUSY = 0  # --busy N: background processes at nice 0 during each migration (main())
SCHED = False  # --sched: the guest's run threads' scheduling over the longest gap (main())


BUSY_SESSION = "other"  # --busy-session: the busy processes in a session of their own, or in this script's


class BusyLoad:
    """A controlled background load (--busy N): N processes that only spin, at nice 0, started by this script before the
    3 s over which the guest's normal gap is read and the migration, ended once the destination's first half second is
    over. Instead of other engineers' builds and tests, whose load comes and goes.

    Where they run matters: with the kernel's autogroups on (/proc/sys/kernel/sched_autogroup_enabled, as on this
    project's VM), the scheduler first shares the CPU between sessions (each session one group of equal weight) and only
    inside a session by nice value. Other engineers' builds run in sessions of their own, so against them the guest's
    nice -5 counts for nothing. --busy-session other (the default) puts the N processes together in one new session,
    as another engineer's build is; --busy-session same leaves them in this script's (and the VMs') session, where
    nice values decide."""

    def __init__(self, n, session):
        loop = "while :; do :; done"
        if session == "other":
            # One new session holding the N spinners (setsid's child leads its own process group: killed as one).
            script = " ".join([f"({loop}) &"] * n) + " wait"
            self.procs = [subprocess.Popen(["sh", "-c", script], start_new_session=True,
                                           preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, 0))]
        else:
            self.procs = [subprocess.Popen(["sh", "-c", loop], preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, 0))
                          for _ in range(n)]
        self.session = session

    def pids(self):
        out = []
        for p in self.procs:
            out.append(p.pid)
            try:
                with open(f"/proc/{p.pid}/task/{p.pid}/children") as f:
                    out += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return out

    def stop(self):
        for p in self.procs:
            if self.session == "other":
                os.killpg(p.pid, 9)
            else:
                p.kill()
        for p in self.procs:
            p.wait()
        self.procs = []


def start_busy(out):
    """--busy N: this script's console readers at nice -10 (the load must not make the heartbeats late on their way
    here; not the main thread: the next processes it starts inherit its nice), then the N spinners, then 3 s of them:
    returns the BusyLoad and the guest's longest gap over those 3 s (read from `out`, the source's console)."""
    for tid in os.listdir("/proc/self/task"):
        if int(tid) != os.getpid():
            os.setpriority(os.PRIO_PROCESS, int(tid), -10)
    busy = BusyLoad(BUSY, BUSY_SESSION)
    time.sleep(0.05)  # (the spinners exist: --sched samples them)
    time.sleep(3.0)
    return busy, normal_gap(out)


def await_window_end(dst_out, t1):
    """Waits (at most 3 s) for a destination heartbeat past t1 + 0.5 s: the end of the window the gaps are read over
    (the busy load runs to there)."""
    deadline = now() + 3
    while now() < deadline and not any(t > t1 + 0.5 for t, _ in dst_out.matches(HB)[-3:]):
        time.sleep(0.02)


def autogroup_nice():
    """This process's session's nice value (/proc/self/autogroup), or None without autogroups."""
    try:
        with open("/proc/self/autogroup") as f:
            return int(f.read().split()[-1])
    except (OSError, ValueError, IndexError):
        return None


def task_stat(pid, tid):
    """(name, state, nice, run ns, runqueue wait ns) of one thread now, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            st = f.read()
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            run, wait, _ = f.read().split()
    except OSError:
        return None
    name = st[st.index("(") + 1:st.rindex(")")]
    rest = st.rsplit(")", 1)[1].split()
    return name, rest[0], int(rest[16]), int(run), int(wait)


class SchedSampler:
    """What the host's scheduler did over a migration (--sched): every thread of both processes (and the busy load's)
    every 20 ms, the guest's run threads every 1 ms (the source's query-cpus-fast thread, the destination's main
    thread, which receives and then runs the guest): their CPU (schedstat's run time), their time runnable but waiting
    for a CPU (its run-queue wait) and, the rest of a span, off a CPU by their own doing (asleep, blocked, or stopped
    at a safepoint). Read over the guest's longest gap: did its thread run, wait for a CPU, or wait on something?"""

    def __init__(self, procs, run_tids, busy_pids):
        import threading
        self.procs = procs  # {"src": pid, "dst": pid}
        self.run_tids = run_tids  # {"src": [tid], "dst": [tid]}
        self.busy = busy_pids
        self.fast = []  # (t, side, tid, run ns, wait ns)
        self.slow = []  # (t, {(side, tid): (name, nice, run ns, wait ns)})
        self.nice = {side: self.nice_of(pid) for side, pid in procs.items()}
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    @staticmethod
    def nice_of(pid):
        """{thread name: sorted nice values} of a process now (the JVM's threads, digits and '#' dropped)."""
        by = {}
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return by
        for tid in tids:
            s = task_stat(pid, tid)
            if s:
                key = re.sub(r"[#\d]+$", "", s[0]).strip() or s[0]
                by.setdefault(key, set()).add(s[2])
        return {k: sorted(v) for k, v in sorted(by.items())}

    def all_tasks(self):
        snap = {}
        for side, pid in self.procs.items():
            try:
                tids = os.listdir(f"/proc/{pid}/task")
            except OSError:
                continue
            for tid in tids:
                s = task_stat(pid, tid)
                if s:
                    snap[(side, tid)] = (s[0], s[2], s[3], s[4])
        for pid in self.busy:
            s = task_stat(pid, pid)
            if s:
                snap[("busy", str(pid))] = ("busy", s[2], s[3], s[4])
        return snap

    def loop(self):
        import threading
        if BUSY:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), -10)
        last_slow = 0
        while not self.stopping:
            t = now()
            for side, tids in self.run_tids.items():
                for tid in tids:
                    s = task_stat(self.procs[side], tid)
                    if s:
                        self.fast.append((t, side, tid, s[3], s[4]))
            if t - last_slow >= 0.02:
                self.slow.append((t, self.all_tasks()))
                last_slow = t
            time.sleep(0.001)

    def stop(self):
        self.stopping = True
        self.thread.join()
        # Every nice value each thread name had in any sample (the sender and post-copy's threads exist only meanwhile).
        for _, snap in self.slow:
            for (side, _), (name, nice, _, _) in snap.items():
                if side in self.nice:
                    key = re.sub(r"[#\d]+$", "", name).strip() or name
                    have = self.nice[side].setdefault(key, [])
                    if nice not in have:
                        have.append(nice)
                        have.sort()

    def over(self, a, b):
        """The run threads' run / run-queue wait / off-CPU ms over [a, b], and the threads that used the most CPU then."""
        out = {}
        for side, tids in self.run_tids.items():
            for tid in tids:
                xs = [x for x in self.fast if x[1] == side and x[2] == tid]
                before = [x for x in xs if x[0] <= a]
                after = [x for x in xs if x[0] >= b]
                if not before or not after:
                    continue
                x0, x1 = before[-1], after[0]
                span = (x1[0] - x0[0]) * 1e3
                run, wait = (x1[3] - x0[3]) / 1e6, (x1[4] - x0[4]) / 1e6
                out[f"{side} run thread {tid}"] = {"span_ms": round(span, 1), "ran_ms": round(run, 1), "waited_for_cpu_ms": round(wait, 1),
                                                   "off_cpu_ms": round(span - run - wait, 1)}
        before = [x for x in self.slow if x[0] <= a]
        after = [x for x in self.slow if x[0] >= b]
        if before and after:
            s0, s1 = before[-1], after[0]
            used = []
            for k, v in s1[1].items():
                if k in s0[1]:
                    d = (v[2] - s0[1][k][2]) / 1e6
                    if d > 0.5:
                        used.append((d, f"{k[0]} {v[0]} (nice {v[1]})"))
            used.sort(reverse=True)
            out["cpu_ms_by_thread"] = {"span_ms": round((s1[0] - s0[0]) * 1e3, 1),
                                       "threads": [[name, round(d, 1)] for d, name in used[:10]]}
        return out


def longest_gap_span(src_out, dst_out, regex, t0, t1, after_s=0.5):
    """The longest gap between consecutive heartbeats (the source's, then the destination's) from the last before t0
    to t1 + after_s: (start, end) on this script's clock, or None."""
    times = sorted(set([t for t, _ in src_out.matches(regex)] + [t for t, _ in dst_out.matches(regex)]))
    before = [t for t in times if t <= t0]
    if not before:
        return None
    seq = [before[-1]] + [t for t in times if t0 < t <= t1 + after_s]
    pairs = list(zip(seq, seq[1:]))
    return max(pairs, key=lambda p: p[1] - p[0]) if pairs else None


def grew(before, after):
    return [round(b - a, 1) if None not in (a, b) else None for a, b in zip(before, after)]


def checkpoint_after(qmp, repo=None):
    """A checkpoint of the source as it stopped (paused since switch-over): the state the migration moved. Its size
    is the fair bound for the bytes sent; the one taken before the migration is of an older, more compressible
    guest (memdirty's writes break the pattern of its pages: the checkpoint grows by some 2 MiB in the seconds a
    migration takes). Returns (size, pages, account) where pages is the result's page counts and account where its
    bytes are (checkpoint_account, with the repository's directory)."""
    try:
        r = qmp.execute("vmckpt-checkpoint", {"live": True})
        return r["size"], r.get("pages", {}), checkpoint_account(repo, r.get("id")) if repo else None
    except (RuntimeError, OSError, KeyError):
        return None, None, None


PACK_HEADER = 4 + 1 + len("vmckpt-pack") + 4 + 16 + 2 + 2 + 4  # PackFormat.HEADER_LENGTH
PACK_TRAILER = 20


def checkpoint_account(repo, ck_id):
    """Where a checkpoint's bytes are: its manifest, and its pack (the newest in the repository: the one it wrote)
    taken apart: the pack's header, its frames' 16-byte headers, their stored (compressed) data, and the index and
    trailer at its end (docs/FORMAT.md). None if the files are not there."""
    try:
        manifest = os.path.getsize(os.path.join(repo, "checkpoints", ck_id + ".manifest"))
        packs = [os.path.join(repo, "packs", f) for f in os.listdir(os.path.join(repo, "packs")) if f.endswith(".pack")]
        pack = max(packs, key=os.path.getmtime)
        with open(pack, "rb") as f:
            b = f.read()
        frames, units, data, at = 0, 0, 0, PACK_HEADER
        while at + 16 <= len(b):
            count = int.from_bytes(b[at + 2:at + 4], "little")
            stored = int.from_bytes(b[at + 8:at + 12], "little")
            if count == 0 or count > 64 or at + 16 + stored > len(b) - PACK_TRAILER - 8 * (frames + 1):
                break
            frames, units, data, at = frames + 1, units + count, data + stored, at + 16 + stored
        return {"manifest": manifest, "pack": len(b), "pack-frames": frames, "pack-units": units, "pack-data": data,
                "pack-frame-headers": 16 * frames, "pack-index-trailer-header": len(b) - data - 16 * frames}
    except (OSError, ValueError, TypeError):
        return None


def checkpoint_destination(dsock):
    """A checkpoint of the destination once the migration is complete (its own repository, a fresh lineage: a full
    checkpoint): (size, pages), to set beside the source's at switch-over. The guest ran on a little at the
    destination, so memdirty's data differs a little; the references (kernel, initramfs, page cache) should not."""
    try:
        q = Qmp(dsock, timeout=30)
        r = q.execute("vmckpt-checkpoint", {"live": True})
        q.close()
        return r["size"], r.get("pages", {})
    except (RuntimeError, OSError, KeyError):
        return None, None


def destination_waits(dsock):
    """A post-copy destination's own account (builds from migrate6 on): pages the guest asked for, how long it waited
    for them in all and for the longest one (ms); None where the build does not say."""
    try:
        q = Qmp(dsock, timeout=5)
        ram = q.execute("query-migrate").get("ram", {})
        q.close()
    except (RuntimeError, OSError):
        return None
    if "vmckpt-postcopy-wait-ns" not in ram:
        return None
    return {"requests": ram.get("postcopy-requests"), "wait_ms": ram["vmckpt-postcopy-wait-ns"] / 1e6,
            "longest_ms": ram["vmckpt-postcopy-longest-wait-ns"] / 1e6}


def switch_gap(src_out, dst_out):
    """The gap across the switch-over: the source's last heartbeat to the destination's first (the longest stall
    may instead fall in the rounds, on the source: a collection or the host's load)."""
    s, d = src_out.matches(HB), dst_out.matches(HB)
    return d[0][0] - s[-1][0] if s and d else None


def dest_start(dst):
    """From the destination's 'the guest runs here now' line to its first heartbeat after it, in seconds."""
    ran = dst.err.matches(r"the guest runs here now")
    if not ran:
        return None
    after = [t for t, _ in dst.out.matches(HB) if t >= ran[0][0]]
    return after[0] - ran[0][0] if after else None


def after_go(dst):
    """The destination's 'the guest starts here N ms after GO' (None from builds that do not print it)."""
    deadline = now() + 2
    while now() < deadline:
        m = dst.err.matches(r"the guest starts here ([0-9.]+) ms after GO")
        if m:
            return float(m[0][1].group(1))
        time.sleep(0.05)
    return None


def dest_switch(dst):
    """The destination's 'switch-over here: ...' steps from its log (None from builds that do not print it)."""
    deadline = now() + 2
    while now() < deadline:
        m = dst.err.matches(r"switch-over here: (.*)\)")
        if m:
            return m[0][1].group(1)
        time.sleep(0.05)
    return None


def gc_cmd(cmd, gc_files, which):
    """The command for one end: with --gc-log, its JVM logs collections and safepoints stamped with System.nanoTime
    (the host's monotonic clock, the same as this script's), so they can be laid beside the heartbeats."""
    if not gc_files:
        return cmd
    at = cmd.index("-jar")
    return cmd[:at] + [f"-Xlog:gc,safepoint:file={gc_files[which]}:tn"] + cmd[at:]


def pauses(path):
    """Stop-the-world pauses from a -Xlog:gc,safepoint file: (start s, end s, what) on the monotonic clock."""
    out = []
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"\[(\d+)ns\] Safepoint \"(\w+)\".*Total: (\d+) ns", line)
                if m and int(m.group(3)) >= 500_000:
                    end = int(m.group(1)) / 1e9
                    out.append((end - int(m.group(3)) / 1e9, end, m.group(2)))
    except OSError:
        pass
    return out


def timeline(src, dst, stop, t0, t1, gc_files):
    """The guest's longest gap and the switch-over on one time axis (ms from the source's last heartbeat): the source's
    pause and GO (query-migrate's monotonic stamps), the destination's GO received and first instruction (its log),
    its first heartbeat; and the stop-the-world pauses of either JVM that overlap the longest gap or the switch."""
    s, d = src.out.matches(HB), dst.out.matches(HB)
    if not s or not d:
        return None
    base = s[-1][0]
    ms = lambda t: round((t - base) * 1e3, 1)
    tl = {"first_dst_hb": ms(d[0][0])}
    if stop and "paused-at-monotonic-ns" in stop:
        tl["paused"] = ms(stop["paused-at-monotonic-ns"] / 1e9)
        tl["go_sent"] = ms(stop["go-at-monotonic-ns"] / 1e9)
    m = dst.err.matches(r"GO received (\d+), guest started (\d+)")
    if m:
        tl["go_received"] = ms(int(m[0][1].group(1)) / 1e9)
        tl["started"] = ms(int(m[0][1].group(2)) / 1e9)
    times = sorted([(t, "src") for t, _ in s] + [(t, "dst") for t, _ in d])
    window = [x for x in times if t0 - 0.02 <= x[0] <= t1 + 0.5]
    gaps = [(b[0] - a[0], a, b) for a, b in zip(window, window[1:])]
    if gaps:
        g = max(gaps)
        tl["longest_gap"] = {"ms": round(g[0] * 1e3, 1), "from": ms(g[1][0]), "to": ms(g[2][0]), "on": g[1][1] + "->" + g[2][1]}
    if gc_files:
        spans = [(tl["longest_gap"]["from"], tl["longest_gap"]["to"])] if "longest_gap" in tl else []
        spans.append((-15.0, tl["first_dst_hb"]))
        hits = []
        for who, path in zip(("src", "dst"), gc_files):
            for a, b, what in pauses(path):
                if any(ms(a) < hi and ms(b) > lo for lo, hi in spans):
                    hits.append(f"{who} {what} {ms(a)}..{ms(b)}")
        tl["stw"] = hits
        # Every gap over 30 ms in the window, with the stop-the-world pauses of either end inside it: the source's stop
        # its guest; the destination's collections take both cores (ParallelGC's two threads) from the source's guest.
        pz = {who: pauses(path) for who, path in zip(("src", "dst"), gc_files)}
        tl["gaps_stw"] = [[round(g * 1e3, 1), ms(a[0]), ", ".join(f"{who} {(min(b2, b[0]) - max(a2, a[0])) * 1e3:.0f} ms"
                                                                for who in ("src", "dst") for a2, b2, _ in pz[who]
                                                                if a2 < b[0] and b2 > a[0])]
                          for g, a, b in gaps if g > 0.030]
        # Each end's stop-the-world time over the whole migration (collections use both cores: the other end and
        # the guest wait for CPU meanwhile).
        for who, path in zip(("src", "dst"), gc_files):
            inside = [b - a for a, b, _ in pauses(path) if t0 <= b and a <= t1]
            tl[f"stw_{who}"] = f"{len(inside)} pauses, {sum(inside) * 1e3:.0f} ms"
            # Each collection during the migration: its pause and how much the heap after it grew over the one before
            # (with -XX:MaxTenuringThreshold=0 the heap after a young collection is the old generation: what it promoted,
            # plus any array allocated there directly in between).
            tl[f"collections_{who}"] = [f"{ms(t)}: {kind} {dur:.1f} ms, +{grow} MiB" for t, kind, dur, grow in collections(path)
                                        if t0 <= t <= t1]
    return tl


def collections(path):
    """(end s, kind, pause ms, MiB the heap after it grew over the previous one's) of each collection in a -Xlog:gc file."""
    out, prev = [], None
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"\[(\d+)ns\] GC\(\d+\) Pause (\w+) \((.*?)\) (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms", line)
                if m:
                    after = int(m.group(5))
                    out.append((int(m.group(1)) / 1e9, m.group(2) + ("/GCLocker" if "GCLocker" in m.group(3) else ""),
                                float(m.group(6)), after - prev if prev is not None else None))
                    prev = after
    except OSError:
        pass
    return out


def continued(src_out, dst_out):
    s = src_out.matches(HB)
    d = dst_out.matches(HB)
    if not s or not d:
        return None
    return int(d[0][1].group(1)) - int(s[-1][1].group(1))


def jit_opts(logs, tag):
    """The destination's compilation logs (--jit-log): LogCompilation, and jit+compilation on the monotonic clock to place it."""
    return ["-Xlog:jit+compilation=debug:file=" + os.path.join(logs, tag + "-dst.jit") + ":tn", "-XX:+UnlockDiagnosticVMOptions",
            "-XX:+LogCompilation", "-XX:LogFile=" + os.path.join(logs, tag + "-dst.lc")]


def switch_compiles(logs, tag, started, first_hb):
    """From the destination's compilation logs: what its JIT compilers did around the switch-over (counts the host's
    load changes less than times). C2 compilations running from 0.2 s before the guest started there to 1 s after
    (count, and their compiler-thread wall time: each took a core the guest could have had), the methods they
    compiled, and the compilations of any tier that started between the guest's start and its first heartbeat."""
    gaps = importlib.import_module("migrate-gaps")
    tasks = gaps.compile_tasks(os.path.join(logs, tag + "-dst.lc"), os.path.join(logs, tag + "-dst.jit"))
    c2 = [t for t in tasks if t[3] == "4" and t[0] < started + 1.0 and t[1] > started - 0.2]
    first = [t for t in tasks if started <= t[0] <= first_hb]
    return {"c2_around_switch": len(c2), "c2_ms": round(sum(b - a for a, b, *_ in c2) * 1e3),
            "c2_methods": [f"{(a - started) * 1e3:+.0f}..{(b - started) * 1e3:+.0f} {m.split(' ')[0].split('.')[-1]}.{m.split(' ')[1]}"
                           for a, b, _, _, m, _ in c2],
            "compiles_before_first_hb": len(first),
            "compiles_before_first_hb_methods": [f"L{lv} {m.split(' ')[0].split('.')[-1]}.{m.split(' ')[1]} (count {c})" for _, _, _, lv, m, c in first]}


def vmckpt_run(vm, work, workload, mode, tls, creds, rep, system="vmckpt", gc_log=False, jit_log=False):
    wl, ready = WORKLOADS[workload]
    tag = f"{system}-{workload}-{mode}-{'tls' if tls else 'plain'}-{rep}"
    logs = os.path.join(work, "logs")
    gc_files = (os.path.join(logs, tag + "-src.gc"), os.path.join(logs, tag + "-dst.gc")) if gc_log else None
    port = free_port()
    sec = ["--tls-creds", creds] if tls else ["--insecure"]
    common = ["--mem", "1G"] + GUEST_ARGS + (["--workload", wl] if wl else []) + getattr(vm, "run_args", [])
    ssock, dsock = os.path.join(work, "src.sock"), os.path.join(work, "dst.sock")
    src = Process(gc_cmd(vm.cmd("run", *common, "--repo", os.path.join(work, "repo"), *sec, "--api-socket", ssock), gc_files, 0),
                  os.path.join(work, "logs", tag + "-src"), env=vm.env)
    dcmd = gc_cmd(vm.cmd("run", *common, "--repo", os.path.join(work, "repo-dst"), *sec, "--api-socket", dsock,
                         "--incoming", f"tcp:127.0.0.1:{port}"), gc_files, 1)
    if jit_log:
        at = dcmd.index("-jar")
        dcmd = dcmd[:at] + jit_opts(logs, tag) + dcmd[at:]
    # JVM options for the destination only (an A/B of its collector, e.g. MIGRATE_DEST_JAVA_OPTS=-XX:ParallelGCThreads=1)
    dest_opts = os.environ.get("MIGRATE_DEST_JAVA_OPTS", "").split()
    if dest_opts:
        at = dcmd.index("-jar")
        dcmd = dcmd[:at] + dest_opts + dcmd[at:]
    dst = Process(dcmd, os.path.join(work, "logs", tag + "-dst"), env=vm.env)
    busy = sampler = None
    try:
        if not src.out.wait_for(ready, 300):
            raise RuntimeError(f"{tag}: the source never printed '{ready}'")
        qmp = Qmp(ssock)
        time.sleep(paper.SETTLE_S)
        ck = qmp.execute("vmckpt-checkpoint", {"live": True})
        time.sleep(paper.SETTLE_S)
        normal = normal_gap(src.out)
        if not dst.err.wait_for("waiting for a migration", 60):
            raise RuntimeError(f"{tag}: the destination is not listening")
        normal_loaded = None
        if BUSY:
            busy, normal_loaded = start_busy(src.out)
        if SCHED:
            src_run = [str(c["thread-id"]) for c in qmp.execute("query-cpus-fast")]
            dst_main = sorted((int(t) for t in os.listdir(f"/proc/{dst.proc.pid}/task")
                               if int(t) != dst.proc.pid and (task_stat(dst.proc.pid, t) or ("",))[0] == "java"))[:1]
            sampler = SchedSampler({"src": src.proc.pid, "dst": dst.proc.pid}, {"src": src_run, "dst": [str(t) for t in dst_main]},
                                   busy.pids() if busy else [])
        split0 = (cpu_split(src.proc.pid), cpu_split(dst.proc.pid))
        mem0 = (memory_counts(src.proc.pid), memory_counts(dst.proc.pid))
        threads = (ThreadCpu(src.proc.pid), ThreadCpu(dst.proc.pid))
        session_nice = [autogroup_nice()]
        t0 = now()
        if mode == "at-once":  # post-copy that switches without rounds
            qmp.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}", "mode": "postcopy", "postcopy-at-once": True})
        else:
            qmp.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}", "mode": mode})
        polls = 0
        while True:
            info = qmp.execute("query-migrate")
            if info.get("status") in ("completed", "failed", "cancelled", "postcopy-paused"):
                break
            polls += 1
            if polls == 20:  # ~0.2 s in: a source with -Dvmckpt.migration.sessionNice has set it by now
                session_nice.append(autogroup_nice())
            if polls % 5 == 0:  # every ~50 ms: a thread that ends before the span does keeps its last sample
                for t in threads:
                    t.sample()
            time.sleep(0.01)
        t1 = now()
        split1 = (cpu_split(src.proc.pid), cpu_split(dst.proc.pid))
        for t in threads:
            t.sample()
        mem1 = (memory_counts(src.proc.pid), memory_counts(dst.proc.pid))
        load = os.getloadavg()[0]
        # The source's checkpoint (the bytes' bound) costs a second of CPU on this 2-core host: taken at once it fell in
        # the destination's first heartbeats, which the gaps below measure (to t1 + 0.5 s). So it waits for the window's
        # end: a destination heartbeat past it (at most 3 s).
        if wl:
            await_window_end(dst.out, t1)
        sched = None
        if sampler:
            sampler.stop()
            span = longest_gap_span(src.out, dst.out, HB, t0, t1) if wl else None
            sched = {"nice": sampler.nice, "run_threads": sampler.run_tids}
            if span:
                sched["longest_gap"] = {"from_t0_ms": round((span[0] - t0) * 1e3, 1), "ms": round((span[1] - span[0]) * 1e3, 1),
                                        **sampler.over(span[0], span[1])}
        if busy:
            busy.stop()
        ck_after_at = now()
        ck_after, ck_after_pages, ck_account = checkpoint_after(qmp, os.path.join(work, "repo")) if info.get("status") == "completed" else (None, None, None)
        waits = destination_waits(dsock) if mode in ("postcopy", "at-once") else None
        ck_dst, ck_dst_pages = checkpoint_destination(dsock) if info.get("status") == "completed" else (None, None)
        if not wl:
            time.sleep(0.5)
            dst.type("echo ALIVE-$((40+2))\n")
        r = {"system": system, "load": load, "checkpoint_after_bytes": ck_after, "dest_waits": waits,
             # Where the bytes went on each side (builds from migrate17 on: query-migrate's vmckpt-bytes).
             "bytes_account": info.get("vmckpt-bytes"), "checkpoint_account": ck_account,
             "checkpoint_after_pages": ck_after_pages, "checkpoint_dest_bytes": ck_dst, "checkpoint_dest_pages": ck_dst_pages,
             "cpu_src_s": cpu_delta(split0[0], split1[0]), "cpu_dst_s": cpu_delta(split0[1], split1[1]),
             "cpu_user_sys": {"src": split_delta(split0[0], split1[0]), "dst": split_delta(split0[1], split1[1])},
             # Each end's CPU by thread name over the migration (the guest's run thread, the sender, compilers, GC, ...).
             "cpu_threads": {"src": threads[0].seconds(), "dst": threads[1].seconds()},
             # Memory each process touched for the first time while the migration ran: [resident MiB, minor faults].
             "src_touched": grew(mem0[0], mem1[0]), "dst_touched": grew(mem0[1], mem1[1]), "workload": workload, "mode": mode, "tls": tls, "rep": rep, "status": info["status"],
             "total_s": info.get("total-time", 0) / 1e3, "setup_s": info.get("setup-time", 0) / 1e3, "wall_s": t1 - t0,
             "downtime_ms": info.get("downtime-ns", 0) / 1e6,
             "bytes": info["ram"]["transferred"], "checkpoint_bytes": ck["size"],
             "pages": info["ram"].get("normal"), "referred": info["ram"].get("vmckpt-referred"),
             "deferred": info["ram"].get("vmckpt-deferred"), "delta": info["ram"].get("vmckpt-delta"), "rounds": info["ram"].get("dirty-sync-count"),
             "stall_s": stall(src.out, dst.out, HB, t0, t1) if wl else None, "normal_gap_s": normal,
             "stall_from_migrate_s": stall_from_migrate(src.out, dst.out, HB, t0, t1) if wl else None,
             "gaps_ms": gaps_over(src.out, dst.out, HB, t0, t1) if wl else None,
             # Gaps over 30 ms with how late the guest itself came back from each (its heartbeat grid): a gap the guest
             # was not late for is the console's path, not a stall of the guest.
             "late_gaps_ms": late_gaps(src.out, dst.out, HB, t0, t1, heartbeat_period(wl)) if wl else None,
             "heartbeat_step": continued(src.out, dst.out) if wl else None,
             "alive": (dst.out.wait_for(r"ALIVE-42", 20) is not None) if not wl else None,
             # Where the stall goes: the source's stop-and-copy parts, and the destination's start (from its line
             # saying the guest runs there to its first heartbeat).
             "stop": info.get("vmckpt-stop"), "dest_start_s": dest_start(dst) if wl else None,
             # The destination's own account (builds from branch migrate5 on): GO to the guest's first instruction.
             "dest_after_go_ms": after_go(dst),
             # The destination's switch-over steps (its log: digest check, records, post-copy set-up, READY, GO, ...).
             "dest_switch": dest_switch(dst),
             "switch_gap_s": switch_gap(src.out, dst.out) if wl else None,
             # --busy N: the background processes, and the longest gap in the 3 s before the migration with them running.
             # This script's session's nice (autogroup; both VMs are in it): before the migration, ~0.2 s in, after.
             "session_nice": session_nice + [autogroup_nice()],
             "busy": BUSY, "busy_session": BUSY_SESSION if BUSY else None, "normal_gap_loaded_s": normal_loaded, "sched": sched}
        if wl:
            r["timeline"] = timeline(src, dst, r.get("stop"), t0, t1, gc_files)
            if r["timeline"]:
                s_hb = src.out.matches(HB)
                r["timeline"]["completed"] = round((t1 - s_hb[-1][0]) * 1e3, 1) if s_hb else None
                r["timeline"]["source_checkpoint"] = round((ck_after_at - s_hb[-1][0]) * 1e3, 1) if s_hb else None
                fi = dst.err.matches(r"monotonic ns: first idle (\d+)")
                if fi and s_hb:
                    r["timeline"]["first_idle"] = round((int(fi[0][1].group(1)) / 1e9 - s_hb[-1][0]) * 1e3, 1)
        qmp.close()
    finally:
        if sampler and not sampler.stopping:
            sampler.stop()
        if busy:
            busy.stop()
        src.stop(None)
        try:
            d = Qmp(dsock, timeout=2)
        except RuntimeError:
            d = None
        dst.stop(d)
        # Each migration's three checkpoints (before, the source at switch-over, the destination after) are measured
        # above: their repositories go, or a series of 1 GiB guests fills the disk (55 MiB a memdirty checkpoint).
        for repo in ("repo", "repo-dst"):
            shutil.rmtree(os.path.join(work, repo), ignore_errors=True)
    m = dst.err.matches(r"GO received (\d+), guest started (\d+)")
    firsts = dst.out.matches(HB)
    if jit_log and m and firsts:  # the compile log is complete once the destination has exited
        try:
            r["jit"] = switch_compiles(logs, tag, int(m[0][1].group(2)) / 1e9, firsts[0][0])
        except (OSError, ValueError, AttributeError) as e:
            r["jit"] = {"error": str(e)}
    return r


def qemu_run(work, workload, tls, creds, rep, prealloc=False):
    """One QEMU pre-copy; with prealloc its destination takes -mem-prealloc (its guest RAM touched before it listens, as
    vmckpt's destination prefaults its heap), so the migration does not include the destination's first touches."""
    wl, ready = WORKLOADS[workload]
    system = "qemu-prealloc" if prealloc else "qemu"
    tag = f"{system}-{workload}-{'tls' if tls else 'plain'}-{rep}"
    port = free_port()
    ssock, dsock = os.path.join(work, "qsrc.sock"), os.path.join(work, "qdst.sock")

    def cmd(sock, endpoint, extra):
        c = [os.path.join(paper.ROOT, "guest", "qemu-boot.sh"), "--mem", "1G"] + (["--guest", GUEST_DIR] if GUEST_DIR else [])
        if wl:
            name, _, args = wl.partition(",")
            c += ["--workload", name, "--args", args]
        c += ["--", "-qmp", f"unix:{sock},server=on,wait=off"]
        if tls:
            c += ["-object", f"tls-creds-x509,id=tls0,dir={creds},endpoint={endpoint},verify-peer=on"]
        return c + extra

    src = Process(cmd(ssock, "client", []), os.path.join(work, "logs", tag + "-src"))
    dst = Process(cmd(dsock, "server", ["-incoming", "defer"] + (["-mem-prealloc"] if prealloc else [])),
                  os.path.join(work, "logs", tag + "-dst"))
    qs = qd = busy = None
    try:
        if not src.out.wait_for(ready, 600):
            raise RuntimeError(f"{tag}: QEMU never printed '{ready}'")
        qs, qd = Qmp(ssock), Qmp(dsock)
        for q in (qs, qd):
            params = {"max-bandwidth": 64 * 2**30}
            if tls:
                params["tls-creds"] = "tls0"
            q.execute("migrate-set-parameters", params)
        qd.execute("migrate-incoming", {"uri": f"tcp:127.0.0.1:{port}"})
        time.sleep(2 * paper.SETTLE_S)
        normal = normal_gap(src.out)
        normal_loaded = None
        if BUSY:  # --busy applies to QEMU's migrations as to vmckpt's: the same spinners, started and ended alike
            busy, normal_loaded = start_busy(src.out)
        # Each end's CPU (user, system) and the memory it touched for the first time over the migration: where QEMU's
        # own total goes (its incoming side writes every page into guest RAM it has not touched yet).
        split0 = (cpu_split(src.proc.pid), cpu_split(dst.proc.pid))
        mem0 = (memory_counts(src.proc.pid), memory_counts(dst.proc.pid))
        t0 = now()
        qs.execute("migrate", {"uri": f"tcp:127.0.0.1:{port}"})
        while True:
            info = qs.execute("query-migrate")
            if info.get("status") in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.01)
        t1 = now()
        split1 = (cpu_split(src.proc.pid), cpu_split(dst.proc.pid))
        mem1 = (memory_counts(src.proc.pid), memory_counts(dst.proc.pid))
        load = os.getloadavg()[0]
        if wl:
            await_window_end(dst.out, t1)
        if busy:
            busy.stop()
            busy = None
        if not wl:
            time.sleep(0.5)
            dst.type("echo ALIVE-$((40+2))\n")
        r = {"system": system, "load": load, "workload": workload, "mode": "precopy", "tls": tls, "rep": rep, "status": info["status"],
                "total_s": info.get("total-time", 0) / 1e3, "setup_s": info.get("setup-time", 0) / 1e3, "wall_s": t1 - t0,
                "downtime_ms": info.get("downtime", 0),
                "cpu_user_sys": {"src": split_delta(split0[0], split1[0]), "dst": split_delta(split0[1], split1[1])},
                "src_touched": grew(mem0[0], mem1[0]), "dst_touched": grew(mem0[1], mem1[1]),
                "rounds": info.get("ram", {}).get("dirty-sync-count"),
                "bytes": info.get("ram", {}).get("transferred", 0), "checkpoint_bytes": None,
                "stall_s": stall(src.out, dst.out, HB, t0, t1) if wl else None, "normal_gap_s": normal,
                "stall_from_migrate_s": stall_from_migrate(src.out, dst.out, HB, t0, t1) if wl else None,
                "gaps_ms": gaps_over(src.out, dst.out, HB, t0, t1) if wl else None,
                "late_gaps_ms": late_gaps(src.out, dst.out, HB, t0, t1, heartbeat_period(wl)) if wl else None,
                "heartbeat_step": continued(src.out, dst.out) if wl else None,
                "alive": (dst.out.wait_for(r"ALIVE-42", 20) is not None) if not wl else None,
                "switch_gap_s": switch_gap(src.out, dst.out) if wl else None,
                "busy": BUSY, "busy_session": BUSY_SESSION if BUSY else None, "normal_gap_loaded_s": normal_loaded}
        if wl:
            # The destination's first heartbeat after `migrate`, on this script's clock from completion (None: none in
            # stall()'s 10 s). QEMU 7.2's riscv guests often print none at the destination (rounds 56 and 58: 6 of 8
            # memdirty migrations, while idle guests answered typed input). The likely cause: a guest asleep on its timer
            # at the switch-over waits at the destination until another interrupt comes: QEMU 7.2 migrates the riscv timer
            # compare values but not the armed host timers, so "any pending timer events would be lost" after the load
            # (qemu-devel, September 2025, the series with "Save stimer and vstimer in CPU vmstate" and "Save time_delta in
            # RISC-V mtimer VMState", which fixes it upstream). To tell that from a stalled host, where none came a newline
            # is typed into the destination's console (a UART interrupt) and it is recorded whether the heartbeat then
            # goes on, how soon, and at which number.
            d_hb = [(t, int(m.group(1))) for t, m in dst.out.matches(HB) if t > t0]
            r["dst_first_heartbeat_after_completion_s"] = round(d_hb[0][0] - t1, 3) if d_hb else None
            if not d_hb:
                nudged = now()
                dst.type("\n")
                deadline = now() + 3
                while now() < deadline and not dst.out.matches(HB):
                    time.sleep(0.02)
                d_hb = dst.out.matches(HB)
                s_hb = src.out.matches(HB)
                r["dst_heartbeat_after_nudge"] = ({"after_s": round(d_hb[0][0] - nudged, 3), "step": int(d_hb[0][1].group(1)) - int(s_hb[-1][1].group(1))}
                                                  if d_hb and s_hb else None)
        return r
    finally:
        if busy:
            busy.stop()
        src.stop(qs)
        dst.stop(qd)


def main():
    global GUEST_ARGS, GUEST_DIR, BUSY, SCHED, BUSY_SESSION
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--workloads", default="memdirty,idle")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--qemu-prealloc", action="store_true",
                    help="also run QEMU with its destination's RAM preallocated (-mem-prealloc: like for like with vmckpt's "
                         "destination, which prefaults its heap before it listens); both QEMU figures are reported"),
    ap.add_argument("--modes", default="precopy,postcopy")
    ap.add_argument("--base-jar", default=None)
    ap.add_argument("--jar", default=os.path.join(paper.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--results", default=os.path.join(paper.ROOT, "bench", "results"))
    ap.add_argument("--work", default="/tmp/vmckpt-migrate-bench")
    ap.add_argument("--gc-log", action="store_true",
                    help="log each vmckpt process's collections and safepoints (-Xlog:gc,safepoint, stamped on the monotonic "
                         "clock) and lay those inside the guest's longest gap and the switch-over beside it")
    ap.add_argument("--jit-log", action="store_true",
                    help="log each destination's compilations (-XX:+LogCompilation, and -Xlog:jit+compilation on the monotonic "
                         "clock) and count those around the switch-over (C2's, and any that started before the first heartbeat)")
    ap.add_argument("--run-args", default="",
                    help="extra options of `vmckpt run` for both ends of the new jar's migrations (e.g. --realtime)")
    ap.add_argument("--base-run-args", default="", help="the same for the base jar's (--base-jar)")
    ap.add_argument("--java-opts", default="",
                    help="extra JVM options for both ends of the new jar's migrations only (e.g. -Dvmckpt.migration.roundsPriority=5; "
                         "with --base-jar the same jar, an A/B of one option)")
    ap.add_argument("--busy", type=int, default=0,
                    help="N processes that only spin, at nice 0, from 3 s before each vmckpt migration to the end of its heartbeat "
                         "window: a controlled background load (this script's threads that read the consoles, and --sched's sampler, "
                         "then run at nice -10, so that they read on time; root only)")
    ap.add_argument("--busy-session", choices=("other", "same"), default="other",
                    help="other (default): the --busy processes in one session of their own, as another engineer's build is "
                         "(with autogroups on, sessions share the CPU first and nice values count only inside one); same: in "
                         "this script's session, with the two VMs")
    ap.add_argument("--session-nice", type=int, default=None,
                    help="the nice value of this script's session's autogroup (/proc/self/autogroup; both VMs are in it), "
                         "set before the first VM starts and put back at the end: how much of the CPU the session gets against "
                         "other sessions (root only for a negative value)")
    ap.add_argument("--tls", choices=("both", "yes", "no"), default="both",
                    help="both (default): each migration with TLS and without; yes: with TLS only; no: plaintext only")
    ap.add_argument("--stop-at", default=None,
                    help="HH:MM[:SS] UTC: no migration starts after it (those left are reported as not run): a series that "
                         "must end inside a time slot")
    ap.add_argument("--sched", action="store_true",
                    help="sample the scheduler's view of both vmckpt processes' threads over each migration (/proc/PID/task/*/"
                         "schedstat and stat) and say, for the guest's longest gap, how long its run threads ran, waited for a "
                         "CPU and were off a CPU, which threads used the CPU meanwhile, and every thread's nice value")
    args = ap.parse_args()
    BUSY, SCHED, BUSY_SESSION = args.busy, args.sched, args.busy_session
    session_nice_before = None
    if args.session_nice is not None:
        with open("/proc/self/autogroup") as f:
            session_nice_before = int(f.read().split()[-1])
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(args.session_nice))
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(os.path.join(args.work, "logs"))
    os.makedirs(args.results, exist_ok=True)
    creds = make_certs(os.path.join(args.work, "creds"))
    if "memrandom" in args.workloads.split(","):
        restore = importlib.import_module("restore")
        GUEST_DIR = restore.default_guest_copy(args.work)
        restore.add_memrandom(args.work, GUEST_DIR)
        GUEST_ARGS = list(restore.guest_boot_args(GUEST_DIR))
    vm = paper.Vmckpt(args)
    base = paper.Vmckpt(argparse.Namespace(**dict(vars(args), jar=args.base_jar))) if args.base_jar else None
    vm.run_args = args.run_args.split()
    if args.java_opts:
        at = vm.java.index("-jar")
        vm.java = vm.java[:at] + args.java_opts.split() + vm.java[at:]
    if base:
        base.run_args = args.base_run_args.split()
    qemu = not args.no_qemu and shutil.which("qemu-system-riscv64")
    stop_at = None
    if args.stop_at:
        hms = [int(x) for x in args.stop_at.split(":")] + [0]
        today = time.gmtime()
        stop_at = time.mktime((today.tm_year, today.tm_mon, today.tm_mday, hms[0], hms[1], hms[2], 0, 0, 0)) - time.timezone
    tls_modes = {"both": (True, False), "yes": (True,), "no": (False,)}[args.tls]
    results = []
    for workload in args.workloads.split(","):
        for rep in range(args.reps):
            for tls in tls_modes:
                runs = []
                for mode in args.modes.split(","):
                    runs += ([("vmckpt-base", mode)] if base else []) + [("vmckpt", mode)]
                runs += [("qemu", "precopy")] if qemu else []
                runs += [("qemu-prealloc", "precopy")] if qemu and args.qemu_prealloc else []
                for system, mode in runs:
                    if stop_at is not None and time.time() > stop_at:
                        print(f"--stop-at {args.stop_at} UTC passed: {system} {workload} {mode} rep {rep} not run", flush=True)
                        continue
                    try:
                        if system.startswith("qemu"):
                            r = qemu_run(args.work, workload, tls, creds, rep, system == "qemu-prealloc")
                        else:
                            r = vmckpt_run(base if system == "vmckpt-base" else vm, args.work, workload, mode, tls, creds, rep, system, args.gc_log,
                                           args.jit_log)
                    except Exception as e:  # a failed run is reported, the others go on
                        r = {"system": system, "workload": workload, "mode": mode, "tls": tls, "rep": rep, "error": str(e)}
                    results.append(r)
                    print(json.dumps(r), flush=True)
    with open(os.path.join(args.results, "migrate.json"), "w") as f:
        json.dump(results, f, indent=1)
    if session_nice_before is not None:
        with open("/proc/self/autogroup", "w") as f:
            f.write(str(session_nice_before))
    print(f"\n| workload | system | mode | TLS | load | status | longest stall (the longest gap from the last heartbeat before `migrate`; in brackets the longest that starts after it), gap across the switch (before: 3 s without migration; with --busy N: 3 s with the load) | downtime | total | CPU s src + dst | sent | checkpoint before / at switch-over | sent / checkpoint at switch-over | heartbeat step | stop: pages, send, state, ready; dest start |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        if "error" in r:
            print(f"| {r['workload']} | {r['system']} | {r['mode']} | {r['tls']} | error: {r['error']} |")
            continue
        st = f"{r['stall_s'] * 1e3:.0f} ms" if r.get("stall_s") else "-"
        if r.get("stall_from_migrate_s") is not None:  # the longest gap that starts after `migrate` was sent
            st += f" (from migrate on {r['stall_from_migrate_s'] * 1e3:.0f} ms)"
        if r.get("switch_gap_s") is not None:
            st += f", switch {r['switch_gap_s'] * 1e3:.0f} ms"
        if r.get("normal_gap_s"):
            st += f" ({r['normal_gap_s'] * 1e3:.0f} ms"
            if r.get("normal_gap_loaded_s"):
                st += f"; with --busy {r['busy']}: {r['normal_gap_loaded_s'] * 1e3:.0f} ms"
            st += ")"
        if r.get("gaps_ms") is not None:
            st += f"; gaps > 20 / 30 ms: {sum(g > 20 for g in r['gaps_ms'])} / {sum(g > 30 for g in r['gaps_ms'])}"
        if r.get("system", "").startswith("qemu") and r.get("workload") != "idle" and r.get("stall_s") is None:
            n = r.get("dst_heartbeat_after_nudge")
            st += ("; no heartbeat at the destination in 10 s; after a typed newline " +
                   (f"it went on {n['after_s'] * 1e3:.0f} ms later, step {n['step']}" if n else "none either"))
        if r.get("late_gaps_ms"):
            g, late = max(r["late_gaps_ms"])
            st += f"; the guest late by {late:.0f} ms over it, at most {max(x[1] for x in r['late_gaps_ms']):.0f} ms over a gap > 30 ms"
        ck = f"{r['checkpoint_bytes'] / 2**20:.1f} MiB" if r.get("checkpoint_bytes") else "-"
        if r.get("checkpoint_after_bytes"):
            ck += f" / {r['checkpoint_after_bytes'] / 2**20:.1f} MiB"
        ratio = f"{r['bytes'] / r['checkpoint_after_bytes']:.3f}" if r.get("checkpoint_after_bytes") else "-"
        cpu = f"{r['cpu_src_s']:.2f} + {r['cpu_dst_s']:.2f}" if r.get("cpu_src_s") is not None and r.get("cpu_dst_s") is not None else "-"
        us = r.get("cpu_user_sys") or {}
        if us.get("src") and us.get("dst"):  # user/system of each end
            cpu += f" (u/s {us['src'][0]:.2f}/{us['src'][1]:.2f} + {us['dst'][0]:.2f}/{us['dst'][1]:.2f})"
        if r.get("dst_touched"):
            cpu += f"; dst touched {r['dst_touched'][0]:.0f} MiB, {r['dst_touched'][1]} faults"
        load = f"{r['load']:.1f}" if r.get("load") is not None else "-"
        step = r["heartbeat_step"] if r.get("heartbeat_step") is not None else ("alive" if r.get("alive") else "-")
        print(f"| {r['workload']} | {r['system']} | {r['mode']} | {'yes' if r['tls'] else 'no'} | {load} | {r['status']} | {st} | "
              f"{r['downtime_ms']:.1f} ms | {r['total_s']:.2f} s | {cpu} | {r['bytes'] / 2**20:.1f} MiB | {ck} | {ratio} | {step} | {parts(r)} |")
    print("\nCheckpoints of the migrated state: the source at switch-over against the destination once the migration completed"
          " (size; pages referring to the kernel/initramfs/firmware, to a disk; pages stored as data):\n")
    print("| workload | system | mode | TLS | source at switch-over | destination after |")
    print("|---|---|---|---|---|---|")
    for r in results:
        if "error" in r or r["system"].startswith("qemu"):
            continue
        print(f"| {r['workload']} | {r['system']} | {r['mode']} | {'yes' if r['tls'] else 'no'} | "
              f"{refs(r.get('checkpoint_after_bytes'), r.get('checkpoint_after_pages'))} | {refs(r.get('checkpoint_dest_bytes'), r.get('checkpoint_dest_pages'))} |")

    print("\nCPU by thread over the migration (s; each end's six largest, by thread name):\n")
    print("| workload | system | mode | TLS | source | destination |")
    print("|---|---|---|---|---|---|")
    for r in results:
        ct = r.get("cpu_threads")
        if "error" in r or not ct:
            continue
        top = lambda d: ", ".join(f"{k} {v:.2f}" for k, v in list(d.items())[:6])
        print(f"| {r['workload']} | {r['system']} | {r['mode']} | {'yes' if r['tls'] else 'no'} | {top(ct['src'])} | {top(ct['dst'])} |")

    print("\nWhere the bytes went (KiB): the stream (vmckpt-bytes: PAGES frames as headers + page tables + data, DISK, STATE,"
          " the other frames; by phase; on the wire, TLS included) against the checkpoint at switch-over (manifest; pack"
          " frames' data, their headers, the pack's header, index and trailer):\n")
    print("| workload | system | mode | TLS | sent | PAGES hdr + tables + data | DISK | STATE | other | round 0 / later rounds / switch-over / after GO | wire | resent unchanged | checkpoint | manifest | pack data (frames) | pack hdrs + rest |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    kib = lambda x: f"{x / 1024:.1f}" if x is not None and x >= 0 else "-"
    for r in results:
        a, c = r.get("bytes_account"), r.get("checkpoint_account")
        if "error" in r or not a:
            continue
        ck = r.get("checkpoint_after_bytes")
        cparts = (kib(c["manifest"]), f"{kib(c['pack-data'])} ({c['pack-frames']})", f"{kib(c['pack-frame-headers'])} + {kib(c['pack-index-trailer-header'])}") if c else ("-",) * 3
        print(f"| {r['workload']} | {r['system']} | {r['mode']} | {'yes' if r['tls'] else 'no'} | {kib(r['bytes'])} | "
              f"{kib(a['pages-headers'])} + {kib(a['pages-tables'])} + {kib(a['pages-data'])} | {kib(a['disk-frames'])} | {kib(a['state-frame'])} | "
              f"{kib(a['other-frames'])} | {kib(a['round-0'])} / {kib(a['later-rounds'])} / {kib(a['switch-over'])} / {kib(a['after-go'])} | "
              f"{kib(a['wire'])} | {a['pages-resent-unchanged']} | {kib(ck)} | {cparts[0]} | {cparts[1]} | {cparts[2]} |")

    print("\nThe difference by cause (bytes; stream - checkpoint at switch-over): framing is the stream's PAGES frame headers,"
          " page tables and data-chunk headers (5 bytes each; a build before protocol 13 has one a frame, 9-byte frame headers),"
          " DISK, STATE and the other frames, against the pack's frame headers, index, header and trailer and the manifest;"
          " data is the PAGES data parts without their chunk headers against the pack frames' stored data; of the stream's,"
          " the pages sent as words (their data bytes) and as deltas (protocol 13 builds only):\n")
    print("| workload | system | mode | TLS | sent - checkpoint | framing: stream - pack (stream: hdrs + tables + chunk hdrs + DISK/STATE/other; pack) | data: stream - pack | frames (run tables), chunks | pages whole / words (bytes) / deltas; pack units |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        a, c = r.get("bytes_account"), r.get("checkpoint_account")
        ck = r.get("checkpoint_after_bytes")
        if "error" in r or not a or not c or ck is None:
            continue
        frames_ = a.get("pages-frame-count", a["pages-headers"] // 9)
        chunks = a.get("pages-chunks", frames_)
        chunk_hdrs = 5 * chunks
        rest = a["disk-frames"] + a["state-frame"] + a["other-frames"]
        stream_framing = a["pages-headers"] + a["pages-tables"] + chunk_hdrs + rest
        pack_framing = c["manifest"] + c["pack-frame-headers"] + c["pack-index-trailer-header"]
        data_diff = (a["pages-data"] - chunk_hdrs) - c["pack-data"]
        kinds = (f"{a['pages-whole']} / {a['pages-words']} ({a['pages-word-bytes']}) / {a['pages-delta']}; {c['pack-units']}"
                 if "pages-whole" in a else f"-; {c['pack-units']}")
        runs = f" ({a['pages-run-tables']})" if "pages-run-tables" in a else ""
        print(f"| {r['workload']} | {r['system']} | {r['mode']} | {'yes' if r['tls'] else 'no'} | {r['bytes'] - ck:+d} | "
              f"{stream_framing - pack_framing:+d} ({a['pages-headers']} + {a['pages-tables']} + {chunk_hdrs} + {rest}; {pack_framing}) | "
              f"{data_diff:+d} | {frames_}{runs}, {chunks} | {kinds} |")

    print("\nThe switch-over and the longest gap on one time axis (ms from the source's last heartbeat; stop-the-world pauses"
          " with --gc-log):\n")
    for r in results:
        tl = r.get("timeline")
        if "error" in r or not tl:
            continue
        items = [f"{k} {tl[k]}" for k in ("paused", "go_sent", "go_received", "started", "first_idle", "first_dst_hb", "completed",
                                                "source_checkpoint") if tl.get(k) is not None]
        g = tl.get("longest_gap")
        if g:
            items.append(f"longest gap {g['ms']} ms {g['from']}..{g['to']} ({g['on']})")
        if tl.get("stw") is not None:
            items.append("STW in the gap or switch: " + (", ".join(tl["stw"]) or "none"))
            items.append(f"STW during the migration: source {tl['stw_src']}, destination {tl['stw_dst']}")
        if tl.get("gaps_stw") is not None:
            items.append("gaps > 30 ms (ms, from; the pauses inside): " + "; ".join(f"{g} at {at}" + (f" ({p})" if p else "")
                                                                          for g, at, p in tl["gaps_stw"]))
        print(f"- {r['workload']} {r['system']} {r['mode']} {'TLS' if r['tls'] else 'plain'}: " + "; ".join(items))
    if any(r.get("sched") for r in results):
        print("\nThe scheduler over the longest gap (--sched; --busy N processes at nice 0): the guest's run threads' CPU, run-queue "
              "wait and time off a CPU, and the threads that used the CPU meanwhile (ms):\n")
        for r in results:
            sc = r.get("sched")
            if "error" in r or not sc or not sc.get("longest_gap"):
                continue
            g = sc["longest_gap"]
            items = [f"gap {g['ms']} ms at {g['from_t0_ms']} ms after migrate"]
            for k, v in g.items():
                if k.endswith("]") or "run thread" in k:
                    items.append(f"{k}: ran {v['ran_ms']}, waited for a CPU {v['waited_for_cpu_ms']}, off {v['off_cpu_ms']} of {v['span_ms']}")
            if g.get("cpu_ms_by_thread"):
                items.append(f"CPU over {g['cpu_ms_by_thread']['span_ms']} ms: " + ", ".join(f"{n} {d}" for n, d in g["cpu_ms_by_thread"]["threads"]))
            print(f"- {r['workload']} {r['system']} {r['mode']} {'TLS' if r['tls'] else 'plain'} busy {r.get('busy')} load {r['load']:.1f}: " + "; ".join(items))
        for r in results[:1]:
            if r.get("sched"):
                print(f"\nThreads' nice values during the first migration (name: values): source {r['sched']['nice'].get('src')}; "
                      f"destination {r['sched']['nice'].get('dst')}")


def refs(size, pages):
    """A checkpoint's size and references, for the table."""
    if not size:
        return "-"
    p = pages or {}
    return f"{size / 2**20:.1f} MiB; boot {p.get('evict.boot', '?')}, disk {p.get('evict.disk', '?')}, data {p.get('pages.saved', '?')}"


def parts(r):
    """The stall's parts where the build reports them: pages in the stop, ms sending, ms for the state, ms to READY; ms from the destination's start to its first heartbeat."""
    out = []
    st = r.get("stop")
    if st:
        out.append(f"{st['dirty-pages']}, {st['send-ns'] / 1e6:.0f}, {st['state-ns'] / 1e6:.0f}, {st['ready-ns'] / 1e6:.0f} ms")
        if "freeze-ns" in st:  # builds from migrate7 on: send's parts
            out.append(f"send = freeze {st['freeze-ns'] / 1e6:.1f} + pages {st['pages-ns'] / 1e6:.1f} + disks {st['disks-ns'] / 1e6:.1f} ms")
        if "pushed-pages" in st:  # builds from migrate16 on (protocol 11): pages sent after STATE, before GO
            out.append(f"pushed after STATE {st['pushed-pages']} pages in {st['push-ns'] / 1e6:.1f} ms")
    if r.get("dest_switch"):
        out.append("dest: " + r["dest_switch"])
    if r.get("dest_start_s") is not None:
        out.append(f"{r['dest_start_s'] * 1e3:.0f} ms")
    if r.get("dest_after_go_ms") is not None:
        out.append(f"GO to start {r['dest_after_go_ms']:.1f} ms")
    w = r.get("dest_waits")
    if w:
        out.append(f"dest waited for {w['requests']} pages, {w['wait_ms']:.1f} ms in all, longest {w['longest_ms']:.1f} ms")
    return "; ".join(out) or "-"


if __name__ == "__main__":
    main()
