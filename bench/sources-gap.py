#!/usr/bin/env python3
"""Does a booted VM's heartbeat stop when the engine's page sources start (a probe, not a test)?

Since round 21 the engine reads and hashes the boot files (PageSources: ~0.3-0.5 s of CPU, their classes loaded and
compiled) at the guest's first idle. On a migration's destination that start stalled the guest 246-317 ms in 3 of 20
runs (docs/BENCHMARKS.md, run 20d). This boots a VM (the default guest or issue 9's signed guest, bench/restore.py)
running memdirty with a heartbeat every PERIOD ms, watches its heartbeats for WATCH seconds after the workload is
ready, and prints on one axis (ms from spawn): the boot's ready line, the page sources' start (the JVM's load of
org.vmckpt.checkpoint.PageSources, from -Xlog:class+load), every heartbeat gap longer than 1.5 periods, and the
stop-the-world pauses (-Xlog:safepoint) that overlap a gap. Nothing is checkpointed.

It also prints the page sources' thread's CPU time ("vmckpt-page-sources", from /proc/PID/task/*/schedstat, polled
every 10 ms until the thread ends: a load-independent measure of its work, short by at most one poll) and, with
--base-jar, runs a second jar's VM after each of --jar's (interleaved A/B). The signed guest's files are copied anew
for each invocation (a new identity: the first VM of a run hashes them whole, later ones find their digests remembered).

    bench/sources-gap.py [--jar JAR] [--base-jar JAR] [--guest default|signed] [--period 100] [--watch 20] [--reps 1]
                         [--java-opts ...]
"""
import argparse
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper as P  # noqa: E402
import restore as R  # noqa: E402  (the signed guest)

HB = r"memdirty heartbeat (\d+)"


def uptime_lines(path, regex):
    """(ms since JVM start, match) for each line of a unified-logging file with uptimemillis decorations."""
    out = []
    pat = re.compile(regex)
    try:
        with open(path) as f:
            for line in f:
                m = re.match(r"\[(\d+)ms\]", line)
                s = pat.search(line)
                if m and s:
                    out.append((int(m.group(1)), s))
    except OSError:
        pass
    return out


class ThreadCpu:
    """Polls the CPU time (ns, schedstat) of a process's thread whose name starts with PREFIX until it ends."""

    def __init__(self, pid, prefix):
        self.pid, self.prefix = pid, prefix
        self.cpu_ns, self.seen, self.ended = 0, False, False
        self.stop = False
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        tid = None
        while not self.stop:
            try:
                if tid is None:
                    for t in os.listdir(f"/proc/{self.pid}/task"):
                        with open(f"/proc/{self.pid}/task/{t}/comm") as f:
                            if f.read().strip().startswith(self.prefix):
                                tid, self.seen = t, True
                                break
                if tid is not None:
                    with open(f"/proc/{self.pid}/task/{tid}/schedstat") as f:
                        self.cpu_ns = int(f.read().split()[0])
            except OSError:
                if tid is not None:  # the thread (or the process) ended
                    self.ended = True
                    return
            time.sleep(0.01)


def one(args, vm, boot_args, tag):
    logs = vm.logs
    cl, sp = os.path.join(logs, tag + ".classload"), os.path.join(logs, tag + ".safepoint")
    sock = os.path.join(vm.work, "vm.sock")
    cmd = vm.java[:1] + args.java_opts.split() + [f"-Xlog:class+load=info:file={cl}:uptimemillis",
                                                  f"-Xlog:safepoint=info,gc=info:file={sp}:uptimemillis"] + vm.java[1:] + [
        "run", "--mem", P.MEM, "--api-socket", sock, "--repo", os.path.join(vm.work, "repo-" + tag),
        "--workload", f"memdirty,256,10,{args.period}"] + list(boot_args)
    p = P.Process(cmd, os.path.join(logs, tag), env=vm.env)
    cpu = ThreadCpu(p.proc.pid, "vmckpt-page-sou")  # the kernel keeps 15 characters of a thread's name
    qmp = P.Qmp(sock)
    ready = p.out.wait_for(r"memdirty ready", 300)
    if not ready:
        p.stop(qmp)
        raise RuntimeError(f"{tag}: never ready (see {logs})")
    time.sleep(args.watch)
    cpu.stop = True
    p.stop(qmp)
    t0 = p.spawned
    beats = [t for t, _ in p.out.matches(HB)]
    gaps = [((a - t0) * 1e3, (b - a) * 1e3) for a, b in zip(beats, beats[1:]) if (b - a) * 1e3 > 1.5 * args.period]
    src = uptime_lines(cl, r"org\.vmckpt\.checkpoint\.PageSources ")
    # Safepoint lines: "Safepoint "Name", Time since last: N ns, Reaching safepoint: N ns, ..., Total: N ns"
    sps = [(ms, s.group(1), int(s.group(2)) / 1e6) for ms, s in
           uptime_lines(sp, r'Safepoint "(\w+)".*Total: (\d+) ns')]
    gcs = [(ms, float(s.group(1))) for ms, s in uptime_lines(sp, r"Pause.* ([\d.]+)ms$")]
    print(f"{tag} (load {os.getloadavg()[0]:.1f}): ready at {(ready[0] - t0) * 1e3:.0f} ms; page sources start at "
          f"{src[0][0] if src else None} ms (JVM uptime); first heartbeat at "
          f"{(beats[0] - t0) * 1e3 if beats else float('nan'):.0f} ms; {len(beats)} heartbeats; page sources' thread "
          f"CPU {cpu.cpu_ns / 1e6:.0f} ms ({'ended' if cpu.ended else 'still running' if cpu.seen else 'not seen'})",
          flush=True)
    for at, gap in gaps:
        inside = [f"{name} {ms_:.1f} ms@{end}" for end, name, ms_ in sps if at - 50 <= end <= at + gap + 50 and ms_ > 5]
        gcin = [f"gc {ms_:.1f} ms@{end}" for end, ms_ in gcs if at <= end <= at + gap + 50]
        print(f"    gap {gap:.0f} ms from {at:.0f} ms; long safepoints near it: {inside or '-'}; {gcin or ''}", flush=True)
    longest = max((g for _, g in gaps), default=max(((b - a) * 1e3 for a, b in zip(beats, beats[1:])), default=None))
    # Time to safepoint: how long the JVM waited for every thread to stop, from the page sources' start on, and the
    # threads -XX:+SafepointTimeout named as late (it prints them when --java-opts asks for it).
    reach = [(ms, int(s.group(1)) / 1e6) for ms, s in uptime_lines(sp, r"Reaching safepoint: (\d+) ns")
             if src and ms >= src[0][0]]
    late = [s.group(1) for ms, s in uptime_lines(sp, r'# "([^"]+)" #\d+') if src and ms >= src[0][0]]
    worst = max(reach, key=lambda x: x[1], default=(None, 0.0))
    print(f"    longest gap {longest:.0f} ms; longest time to safepoint after the page sources' start {worst[1]:.1f} ms "
          f"(at {worst[0]} ms); threads named late: {sorted(set(late)) or '-'}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(P.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--guest", choices=("default", "signed"), default="default")
    ap.add_argument("--period", type=int, default=100)
    ap.add_argument("--watch", type=float, default=20.0, help="seconds watched after the workload is ready")
    ap.add_argument("--base-jar", default=None, help="a second jar, its VM run after each of --jar's (A/B)")
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--java-opts", default="")
    ap.add_argument("--work", default="/tmp/vmckpt-sources-gap")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.work, "logs"), exist_ok=True)
    vms = [("new", P.Vmckpt(argparse.Namespace(jar=args.jar, work=args.work)))]
    if args.base_jar:
        vms.append(("base", P.Vmckpt(argparse.Namespace(jar=args.base_jar, work=args.work))))
    boot_args = ()
    if args.guest == "signed":
        boot_args = R.guest_boot_args(R.signed_guest(args.work))
    for rep in range(args.reps):
        for name, vm in vms:
            one(args, vm, boot_args, f"{args.guest}-{args.period}-{rep}" + (f"-{name}" if args.base_jar else ""))


if __name__ == "__main__":
    main()
