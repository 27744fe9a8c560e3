#!/usr/bin/env python3
"""The CPU benchmark (issue 7, "Speed"): vmckpt against QEMU (TCG) in the same run, not a test.

Boots the default guest's kernel with the benchmark initramfs (bench/cpu/build-guests.sh: two guests,
"default" with the default guest's signature-stripped modules and "signed" with the kernel package's
signed modules as shipped) under QEMU and under vmckpt in each CPU mode, N rounds, interleaved, and
times four phases on the host between the console lines the guest's /init prints (bench/cpu/init):

  boot     spawn of the emulator -> the first line of /init ("BENCH-INIT")
  modules  insmod of the default guest's modules (modules-start -> modules-end marks)
  compute  2x sha256sum + gzip -1 of 16 MiB of text generated in tmpfs beforehand
  fork     400 fork+exec of /bin/true (busybox) from a shell loop

Each line is timestamped (time.monotonic) by a reader thread when it arrives on the emulator's stdout.
Prints every run, the first (cold) run of each system, and per guest a table of medians with ranges and
the ratio vmckpt mode / QEMU. Checks each run: the guest's sha256sum must match the host's digest of the
same data, /proc/stat must count >= 400 new processes, and in the signed guest no module may have
failed its signature check (taint flag E clear).

    bench/cpu/run.py [N] [--modes "jit interp"] [--guests default,signed] [--icount] [--no-qemu]
                     [--jar cli/target/vmckpt.jar] [--work /tmp/vmckpt-bench-cpu] [--timeout 1200]

--modes defaults to $CPU_MODES, else "jit interp": each mode runs `vmckpt run --cpu MODE`; the mode
"default" passes no --cpu. --icount adds one QEMU run per guest with -icount shift=0,sleep=off, where the
guest clock advances 1 ns per instruction, and reports the guest-clock length of each phase as an
instruction count. Python 3 standard library only.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vmckpt")
GUEST = os.path.join(CACHE, "guest")
MEM = "1G"
PHASES = [  # name, start line (None: spawn), end line, description
    ("boot", None, "BENCH-INIT", "spawn -> first line of /init"),
    ("modules", "BENCH-MARK modules-start", "BENCH-MARK modules-end", "insmod of the guest's modules"),
    ("compute", "BENCH-MARK compute-start", "BENCH-MARK compute-end", "2x sha256sum + gzip -1 of 16 MiB"),
    ("fork", "BENCH-MARK fork-start", "BENCH-MARK fork-end", "400 fork+exec of /bin/true"),
]
SUBPHASES = [  # parts of the compute phase, in the raw figures only
    ("sha256", "BENCH-MARK compute-start", "BENCH-MARK sha256-end"),
    ("gzip", "BENCH-MARK sha256-end", "BENCH-MARK compute-end"),
]
TAINT_UNSIGNED = 1 << 13  # 'E': an unsigned module (or one whose signature failed) was loaded
FORKS = 400


def now():
    return time.monotonic()


class Run:
    """One emulator process: every stdout line with its arrival time; stderr kept whole."""

    def __init__(self, cmd, log_path, timeout, env=None):
        self.cmd = cmd
        self.lines = []  # (time since spawn, text)
        self.log_path = log_path
        self.t0 = now()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env)
        self.err = b""
        err_thread = threading.Thread(target=self._read_err, daemon=True)
        err_thread.start()
        self.timed_out = False
        timer = threading.Timer(timeout, self._kill)
        timer.daemon = True
        timer.start()
        for raw in iter(self.proc.stdout.readline, b""):
            self.lines.append((now() - self.t0, raw.decode("utf-8", "replace").rstrip("\r\n")))
        self.status = self.proc.wait()
        self.exit_time = now() - self.t0
        timer.cancel()
        err_thread.join(5)
        with open(log_path, "w") as log:
            log.write("# " + " ".join(cmd) + "\n")
            for t, text in self.lines:
                log.write(f"{t:10.4f} {text}\n")
            log.write(f"# exit status {self.status} after {self.exit_time:.3f} s\n# stderr:\n")
            log.write(self.err.decode("utf-8", "replace"))

    def _read_err(self):
        self.err = self.proc.stderr.read()

    def _kill(self):
        self.timed_out = True
        self.proc.kill()

    def first(self, prefix):
        """The first line holding prefix, from prefix on (a kernel message may precede it on the line)."""
        for t, text in self.lines:
            at = text.find(prefix)
            if at >= 0:
                return t, text[at:]
        return None, None


def analyse(run, guest, expected_sha, until_modules=False):
    """Phase times (host), guest-clock phase lengths, checks; problems as a list of strings (until_modules: those of
    the boot and module phases only)."""
    result = {"host": {}, "guest_ns": {}, "problems": [], "exit_s": round(run.exit_time, 4), "status": run.status}
    if until_modules:
        result = analyse(run, guest, expected_sha)
        later = ("compute", "sha256", "gzip", "fork", "processes forked", "taint line")
        result["problems"] = [p for p in result["problems"] if not any(w in p for w in later)]
        return result
    marks = {}
    for _, text in run.lines:
        m = re.search(r"BENCH-MARK (\S+) (\d+)$", text)
        if m:
            marks[m.group(1)] = int(m.group(2))
    for name, start, end, *_ in PHASES + SUBPHASES:
        t_end, _ = run.first(end)
        t_start = 0.0 if start is None else run.first(start)[0]
        if t_end is None or t_start is None:
            result["problems"].append(f"no {end if t_end is None else start} line")
            continue
        result["host"][name] = round(t_end - t_start, 4)
        if start is not None:
            a, b = start.split()[-1], end.split()[-1]
            if a in marks and b in marks:
                result["guest_ns"][name] = marks[b] - marks[a]
    if "init" in marks:
        result["guest_ns"]["boot"] = marks["init"]  # the guest clock at /init (about: from kernel start)
    _, info = run.first("BENCH-INFO sha256")
    if info is None:
        result["problems"].append("no sha256 line")
    else:
        words = info.split()
        result["gzip_bytes"] = int(words[5]) if len(words) > 5 else None
        if words[2] != expected_sha or words[3] != expected_sha:
            result["problems"].append(f"sha256 {words[2][:12]}.../{words[3][:12]}... != expected {expected_sha[:12]}...")
    _, info = run.first("BENCH-INFO tainted")
    if info is None:
        result["problems"].append("no taint line")
    else:
        taint = int(info.split()[2])
        result["taint"] = taint
        if guest == "signed" and taint & TAINT_UNSIGNED:
            result["problems"].append(f"taint {taint}: a signed module failed its signature check")
    _, info = run.first("BENCH-INFO forks")
    if info is None:
        result["problems"].append("no forks line")
    else:
        result["forks"] = int(info.split()[2])
        if result["forks"] < FORKS:
            result["problems"].append(f"only {result['forks']} processes forked")
    if run.first("BENCH-INIT")[0] is None:  # one problem, not one per missing line
        result["problems"] = ["the guest never reached /init"]
    for _, text in run.lines:
        if "BENCH-ERROR" in text:
            result["problems"].append(text[text.find("BENCH-ERROR"):])
    stats = re.search(r"vmckpt: ([\d,]+) instructions in ([\d.]+) s \(([\d.]+) MIPS", run.err.decode("utf-8", "replace"))
    result["stats"] = [l for l in run.err.decode("utf-8", "replace").splitlines() if l.startswith("vmckpt:")]
    if stats:
        result["instructions"] = int(stats.group(1).replace(",", ""))
        result["mips"] = float(stats.group(3))
    if run.timed_out:
        result["problems"].append("timed out")
    elif run.status != 0:
        first_err = next((l for l in run.err.decode("utf-8", "replace").splitlines() if l.strip()), "")
        result["problems"].append(f"exit status {run.status}" + (f" ({first_err.strip()})" if first_err else ""))
    return result


def median(values):
    return statistics.median(values) if values else None


def fmt_s(value):
    return "–" if value is None else f"{value:.2f}"


def describe(system, guest, index, r):
    parts = [f"{name} {fmt_s(r['host'].get(name))} s" for name, *_ in PHASES]
    if "sha256" in r["host"] and "gzip" in r["host"]:
        parts[2] += f" (sha256 x2 {fmt_s(r['host']['sha256'])} + gzip {fmt_s(r['host']['gzip'])})"
    extra = f", exit {r['exit_s']:.2f} s"
    if "instructions" in r:
        extra += f", {r['instructions'] / 1e9:.2f} G instructions, {r['mips']:.0f} MIPS"
    problems = ("  PROBLEMS: " + "; ".join(r["problems"])) if r["problems"] else ""
    return f"run {index} {guest:7s} {system:14s} " + ", ".join(parts) + extra + problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="?", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--modes", default=os.environ.get("CPU_MODES", "jit interp"),
                    help='vmckpt CPU modes (default $CPU_MODES or "jit interp"; "default" passes no --cpu)')
    ap.add_argument("--guests", default="default,signed")
    ap.add_argument("--icount", action="store_true", help="one extra QEMU -icount run per guest: instructions per phase")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--jar", default=None, help="vmckpt jar (default: the ./vmckpt launcher's)")
    ap.add_argument("--launcher", action="append", default=[], metavar="NAME=PATH[,JAVA_OPTS]",
                    help="A/B runs: a vmckpt launcher (another tree's ./vmckpt) and optional JVM options for it "
                         "(VMCKPT_JAVA_OPTS); repeatable; the systems become NAME-MODE, run interleaved")
    ap.add_argument("--work", default="/tmp/vmckpt-bench-cpu", help="console logs and cpu.json")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per run")
    ap.add_argument("--until-modules", action="store_true",
                    help="vmckpt only: end each run at the module phase's end mark (--exit-on), for A/B runs of the "
                         "boot and module phases; the later phases and their checks (the taint check too) are left out")
    args = ap.parse_args()
    modes = args.modes.split()
    guests = args.guests.split(",")
    os.makedirs(args.work, exist_ok=True)

    bench = subprocess.run([os.path.join(ROOT, "bench", "cpu", "build-guests.sh")], check=True,
                           capture_output=True, text=True)
    sys.stderr.write(bench.stderr)
    bench_dir = bench.stdout.strip().splitlines()[-1]
    expected_sha = open(os.path.join(bench_dir, "expected-sha256")).read().strip()
    cmdline = open(os.path.join(GUEST, "cmdline")).read().strip()
    for guest in guests:  # qemu-boot.sh --guest wants the whole set of files in one directory
        for name in ("Image", "cmdline", "disk.img"):
            link = os.path.join(bench_dir, guest, name)
            if os.path.lexists(link):
                os.remove(link)
            os.symlink(os.path.join(GUEST, name), link)

    launchers = {}  # system name prefix -> (launcher, java options or None)
    for spec in args.launcher:
        name, _, rest = spec.partition("=")
        path, _, opts = rest.partition(",")
        launchers[name] = (os.path.abspath(path), opts or None)
    if not launchers:
        launchers["vmckpt"] = (None, None)

    def vmckpt_cmd(guest, mode, launcher_path=None):
        launcher = ([launcher_path] if launcher_path else [os.path.join(ROOT, "vmckpt")]) if args.jar is None \
            else ["java", "-jar", args.jar]
        cmd = launcher + ["run", "--kernel", os.path.join(GUEST, "Image"),
                          "--initrd", os.path.join(bench_dir, guest, "initramfs.cpio.gz"),
                          "--append", cmdline, "--mem", MEM, "--no-rng", "--stats",
                          # a name of this process's own: two benchmarks at once must not meet at one control socket
                          "--name", f"bench-cpu-{os.getpid()}"]
        if args.until_modules:
            cmd += ["--exit-on", "BENCH-MARK modules-end"]
        return cmd if mode == "default" else cmd + ["--cpu", mode]

    def qemu_cmd(guest, extra=()):
        cmd = [os.path.join(ROOT, "guest", "qemu-boot.sh"), "--guest", os.path.join(bench_dir, guest),
               "--mem", MEM, "--no-disk"]
        return cmd + (["--", *extra] if extra else [])

    systems = ([] if args.no_qemu else ["qemu"]) + [f"{n}-{m}" for n in launchers for m in modes]
    qemu_version = None
    if not args.no_qemu:
        qemu_version = subprocess.run(["qemu-system-riscv64", "--version"], capture_output=True,
                                      text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"# CPU benchmark, {started:%Y-%m-%d %H:%M} UTC, vmckpt {commit}, {qemu_version or 'no QEMU'}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, {args.runs} rounds, "
          f"vmckpt modes: {' '.join(modes)}", flush=True)

    results = {g: {s: [] for s in systems} for g in guests}
    for i in range(1, args.runs + 1):
        for guest in guests:
            for system in systems:
                env = None
                if system == "qemu":
                    cmd = qemu_cmd(guest)
                else:
                    name, _, mode = system.rpartition("-")
                    path, opts = launchers[name]
                    cmd = vmckpt_cmd(guest, mode, path)
                    if opts is not None:
                        env = dict(os.environ, VMCKPT_JAVA_OPTS=opts)
                run = Run(cmd, os.path.join(args.work, f"{guest}-{system}-{i}.log"), args.timeout, env)
                r = analyse(run, guest, expected_sha, args.until_modules and system != "qemu")
                results[guest][system].append(r)
                print(describe(system, guest, i, r), flush=True)

    icount = {}
    if args.icount and not args.no_qemu:
        for guest in guests:
            run = Run(qemu_cmd(guest, ["-icount", "shift=0,sleep=off"]),
                      os.path.join(args.work, f"{guest}-qemu-icount.log"), args.timeout)
            r = analyse(run, guest, expected_sha)
            icount[guest] = r
            print(f"icount  {guest:7s} qemu -icount shift=0: "
                  + ", ".join(f"{name} {r['guest_ns'].get(name, 0) / 1e9:.3f} G" for name, *_ in PHASES + SUBPHASES)
                  + " instructions (guest clock, 1 ns = 1 instruction; boot: clock at /init)"
                  + (("  PROBLEMS: " + "; ".join(r["problems"])) if r["problems"] else ""), flush=True)

    print("\n## First run of each system (cold: first boot of the round-robin)\n")
    for guest in guests:
        for system in systems:
            print(describe(system, guest, 1, results[guest][system][0]))

    print(f"\n## Medians over {args.runs} runs (min–max), host seconds; ratio = vmckpt mode / QEMU (medians)")
    for guest in guests:
        print(f"\n### guest: {guest}\n")
        header = "| phase | " + " | ".join(systems)
        if "qemu" in systems and len(systems) > 1:
            header += " | " + " | ".join(f"{s} / qemu" for s in systems if s != "qemu")
        print(header + " |")
        print("|---" * (header.count("|")) + "|")
        for name, _, _, description in PHASES:
            cells, meds = [], {}
            for system in systems:
                values = [r["host"][name] for r in results[guest][system] if name in r["host"] and not r["problems"]]
                meds[system] = median(values)
                cells.append(f"{fmt_s(meds[system])} ({fmt_s(min(values))}–{fmt_s(max(values))})" if values else "–")
            if "qemu" in systems:
                for system in systems:
                    if system != "qemu":
                        ok = meds[system] is not None and meds["qemu"]
                        cells.append(f"**{meds[system] / meds['qemu']:.2f}**" if ok else "–")
            print(f"| {name} ({description}) | " + " | ".join(cells) + " |")
        failed = sum(1 for s in systems for r in results[guest][s] if r["problems"])
        if failed:
            print(f"\n{failed} run(s) of this guest had problems and are left out of the medians (see above).")

    out = os.path.join(args.work, "cpu.json")
    with open(out, "w") as f:
        json.dump({"started": started.isoformat(), "commit": commit, "qemu": qemu_version, "modes": modes,
                   "host": {"cpus": os.cpu_count(), "kernel": platform.release()},
                   "expected_sha256": expected_sha, "results": results, "icount": icount}, f, indent=1)
    print(f"\nRaw figures: {out}; console logs: {args.work}/GUEST-SYSTEM-RUN.log")
    return 1 if any(r["problems"] for g in results.values() for rs in g.values() for r in rs) else 0


if __name__ == "__main__":
    sys.exit(main())
