#!/usr/bin/env python3
"""How idle a guest is over time: the run thread's CPU per 100 ms, for choosing the idle-window rule (round 61).

Either runs one of the CPU benchmark's guests (--cpu-guest default|signed, as bench/cpu/run.py runs it: `LAUNCHER run
... --stats`) to its end, or attaches to a running vmckpt process (--pid PID, --seconds S: e.g. a VM that
bench/restore.py started). Every --step seconds it reads the run thread's CPU and run-queue wait (schedstat; the thread /proc names "java", as
bench/cpu/threads.py) and prints one line per step: time since the start (s), the run thread's CPU in the step (ms),
the CPU so far (ms) of the live threads --threads names (the page sources', the warm-up's), and for the CPU benchmark
the guest's marker lines as they arrive. Then, for windows of 0.5, 1 and 2 s and idle
shares of 0.5, 0.7 and 0.9 (idle = the wall time the run thread neither ran nor waited for a core: parked in WFI), the first time each rule would have held. Untimed diagnostic.

  python3 bench/idle-profile.py --cpu-guest signed --launcher ./vmckpt
  python3 bench/idle-profile.py --pid 1234 --seconds 10
"""
import argparse
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST = os.path.expanduser("~/.cache/vmckpt/guest")
BENCH = os.path.expanduser("~/.cache/vmckpt/bench-cpu")
TICK = os.sysconf("SC_CLK_TCK")


def run_thread_cpu(pid):
    """Seconds the thread named "java" (the run thread) ran or waited for a core (schedstat), None once it is gone."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total = 0.0
    for t in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name != "java":
            continue
        try:  # on a core, and waiting in the run queue for one: both are time the guest was not idle
            run, wait = open(f"/proc/{pid}/task/{t}/schedstat").read().split()[:2]
            total += (int(run) + int(wait)) / 1e9
        except (OSError, ValueError):
            f = stat[stat.rindex(")") + 2:].split()
            total += (int(f[11]) + int(f[12])) / TICK
    return total


def named_cpu(pid, prefixes):
    """{prefix: CPU seconds} of the live threads whose /proc name starts with each prefix (a thread that ended is gone)."""
    out = {p: 0.0 for p in prefixes}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        for p in prefixes:
            if name.startswith(p):
                f = stat[stat.rindex(")") + 2:].split()
                out[p] += (int(f[11]) + int(f[12])) / TICK
    return out


def java_pid(proc):
    """The JVM under a launcher script: the newest descendant named java (or the process itself)."""
    for _ in range(200):
        try:
            out = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split()
        except OSError:
            out = []
        for c in out:
            try:
                if open(f"/proc/{c}/comm").read().strip() == "java":
                    return int(c)
            except OSError:
                pass
        try:
            if open(f"/proc/{proc.pid}/comm").read().strip() == "java":
                return proc.pid
        except OSError:
            return None
        time.sleep(0.01)
    return proc.pid


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpu-guest", choices=("default", "signed"))
    ap.add_argument("--launcher", default=os.path.join(ROOT, "vmckpt"))
    ap.add_argument("--pid", type=int)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--step", type=float, default=0.1)
    ap.add_argument("--threads", default="vmckpt-page-sou,vmckpt-checkpoi",
                    help="name prefixes (/proc's 15 characters) of threads whose CPU each line also shows")
    args = ap.parse_args()
    marks = []
    t0 = time.monotonic()
    proc = None
    if args.cpu_guest:
        cmdline = open(os.path.join(GUEST, "cmdline")).read().strip()
        cmd = [args.launcher, "run", "--kernel", os.path.join(GUEST, "Image"), "--initrd",
               os.path.join(BENCH, args.cpu_guest, "initramfs.cpio.gz"), "--append", cmdline, "--mem", "1G",
               "--no-rng", "--stats", "--name", f"idle-profile-{os.getpid()}"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

        def read():
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("BENCH-INIT") or line.startswith("BENCH-MARK") or line.startswith("BENCH-DONE"):
                    marks.append((time.monotonic() - t0, line))
        threading.Thread(target=read, daemon=True).start()
        pid = java_pid(proc)
    else:
        pid = args.pid
    print(f"# idle profile, pid {pid}, load {os.getloadavg()[0]:.2f}, step {args.step} s", flush=True)
    samples = []  # (t, cpu)
    prefixes = [p for p in args.threads.split(",") if p]
    shown = 0
    while True:
        cpu = run_thread_cpu(pid)
        t = time.monotonic() - t0
        if cpu is None or (proc and proc.poll() is not None) or (not args.cpu_guest and t > args.seconds):
            break
        samples.append((t, cpu))
        if len(samples) > 1:
            dt = t - samples[-2][0]
            busy = cpu - samples[-2][1]
            while shown < len(marks):
                print(f"{marks[shown][0]:7.2f}  ---- {marks[shown][1]}")
                shown += 1
            named = named_cpu(pid, prefixes)
            extra = " ".join(f"{p}={named[p] * 1000:.0f}" for p in prefixes if named[p] > 0)
            print(f"{t:7.2f} {busy * 1000:6.0f} ms run+wait of {dt * 1000:4.0f}  {extra}")
        time.sleep(args.step)
    for m in marks[shown:]:
        print(f"{m[0]:7.2f}  ---- {m[1]}")
    print(f"# load at the end {os.getloadavg()[0]:.2f}")
    for window in (0.5, 1.0, 2.0):
        for share in (0.5, 0.7, 0.9):
            first = None
            j = 0
            for i, (t, cpu) in enumerate(samples):
                while samples[j][0] < t - window:
                    j += 1
                if t - samples[j][0] < window * 0.9:
                    continue
                wall = t - samples[j][0]
                if 1 - (cpu - samples[j][1]) / wall >= share:
                    first = t
                    break
            print(f"window {window} s, idle >= {share}: first at {'never' if first is None else f'{first:.2f} s'}")
    if proc:
        proc.wait()


if __name__ == "__main__":
    sys.exit(main())
