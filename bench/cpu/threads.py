#!/usr/bin/env python3
"""Where the CPU goes up to the CPU benchmark's marks, per JVM thread, A/B interleaved.

For each round and each launcher (NAME=PATH[,JAVA_OPTS], as bench/cpu/run.py's --launcher), boots one of
bench/cpu's guests with `LAUNCHER run ... --stats --cpu jit --exit-on MARK` (--cpu interp: the interpreter alone) and, at the host arrival of each of
the guest's marker lines (BENCH-INIT, BENCH-MARK modules-start, BENCH-MARK modules-end), reads every JVM thread's
CPU time from /proc/PID/task/*/stat: the run thread (the guest), C1, C2, the translator thread, the collector and the
VM thread ("gc"), the rest; and the run thread's wait for a CPU in the host's run queue (schedstat, "wait"), so that a
phase's wall splits into the run thread's CPU, its wait for a core and the rest (safepoints, sleeps). --stats' time
from the JVM's start to the guest's first instruction is the "first insn" figure. Prints
one line per run and the medians per launcher; --json FILE keeps every figure. Run bench/cpu.sh (or
bench/cpu/build-guests.sh) once first so that the guests exist.

  python3 bench/cpu/threads.py 3 --guest signed --launcher main=/tmp/mainroot/vmckpt --launcher new=./vmckpt

With --mark BENCH-DONE the run goes on through the compute phase (compute-start to compute-end) and the fork
phase (fork-start to fork-end), whose CPU by thread group is read at their marks the same way (round 66): all four
phases of one run, and the guest's BENCH-INFO lines (digests, taint, forks) kept in the JSON.
With --canary each run is between two runs of bench/cpu/canary.c (fixed work, its CPU seconds: "canary" in the JSON),
so that a slow run of a noisy host can be told from a slow jar (round 67).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hotstats import no_code  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUEST = os.path.expanduser("~/.cache/vmckpt/guest")
BENCH = os.path.expanduser("~/.cache/vmckpt/bench-cpu")
TICK = os.sysconf("SC_CLK_TCK")
MARKS = {"BENCH-INIT": "init", "BENCH-MARK modules-start": "mstart", "BENCH-MARK modules-end": "mend",
         "BENCH-MARK compute-start": "cstart", "BENCH-MARK sha256-end": "s256", "BENCH-MARK compute-end": "cend",
         "BENCH-MARK fork-start": "fstart", "BENCH-MARK fork-end": "fend"}
# With --mark BENCH-DONE a run goes through all four phases: the compute and fork phases' CPU as well
# ("compute_cpu", "fork_cpu"), and the guest's checks (the BENCH-INFO lines, "info"). The compute phase's
# sha256-end mark ("s256_cpu", round 73) splits it into its two sha256sums and its gzip (not a phase of pairs.py).


def thread_cpu(pid):
    """{thread name: CPU seconds} of a live process, threads of one name summed; under "run-wait" the seconds the run
    thread (the threads named "java") waited in the host's run queue for a CPU (schedstat's second field)."""
    out = {}
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for t in tasks:
        try:
            stat = open(f"/proc/{pid}/task/{t}/stat").read()
        except OSError:  # (a thread or the process that ended meanwhile: FileNotFoundError or ProcessLookupError)
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        f = stat[stat.rindex(")") + 2:].split()
        out[name] = out.get(name, 0.0) + (int(f[11]) + int(f[12])) / TICK
        if name == "java":
            try:
                out["run-wait"] = out.get("run-wait", 0.0) + int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[1]) / 1e9
            except (OSError, IndexError, ValueError):
                pass
    return out


def group(cpu):
    # (round 81: "prefault", the old generation's prefault thread, vmckpt-prefault, is counted in "other" too)
    g = {"run": 0.0, "C1": 0.0, "C2": 0.0, "translator": 0.0, "gc": 0.0, "other": 0.0, "run-wait": 0.0, "prefault": 0.0}
    for name, s in cpu.items():
        if name == "vmckpt-prefault":
            g["prefault"] += s
        if name == "run-wait":
            g["run-wait"] += s
        elif name.startswith("GC Thread") or name == "VM Thread":
            g["gc"] += s
        elif name.startswith("C1 Compiler"):
            g["C1"] += s
        elif name.startswith("C2 Compiler"):
            g["C2"] += s
        elif name.startswith("vmckpt-transl"):
            g["translator"] += s
        elif name == "java":  # the main thread runs the guest
            g["run"] += s
        else:
            g["other"] += s
    return g


def run_stamped(cmd, env, logpath, cpu_at, render, lines=None):
    """Runs CMD and stamps each line of its stdout ("out") and stderr ("err") with the seconds since the spawn and,
    where cpu_at(pid, tag, line) returns something, that (the JVM threads' CPU then); writes the lines in time order to
    LOGPATH (unless it is None), render(cpu) giving the CPU's text. LINES may hold lines to go first. Returns (lines,
    exit status)."""
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    lines = list(lines or [])
    lock = threading.Lock()

    def reader(stream, tag):
        for raw in stream:
            line = raw.decode(errors="replace").rstrip("\n")
            now = time.monotonic() - t0
            cpu = cpu_at(p.pid, tag, line)
            with lock:
                lines.append((now, tag, cpu, line))

    ts = [threading.Thread(target=reader, args=(p.stdout, "out")), threading.Thread(target=reader, args=(p.stderr, "err"))]
    for t in ts:
        t.start()
    p.wait()
    for t in ts:
        t.join()
    lines.sort(key=lambda x: x[0])
    if logpath:
        with open(logpath, "w") as f:
            for now, tag, cpu, line in lines:
                f.write(f"{now:8.3f} {tag}{render(cpu) if cpu else ''} | {line}\n")
    return lines, p.returncode


def parse_launcher(spec):
    """NAME=PATH[,JAVA_OPTS] (the scripts' --launcher) as (name, absolute path, JAVA_OPTS or None)."""
    name, _, rest = spec.partition("=")
    path, _, opts = rest.partition(",")
    return name, os.path.abspath(path), opts or None


def run_command(launcher, guest, mark, name, cpu="jit"):
    """The `vmckpt run` of GUEST (one of bench/cpu's guests) with --stats, --cpu CPU (the JIT unless told), and an exit
    at the line MARK."""
    cmdline = open(os.path.join(GUEST, "cmdline")).read().strip()
    return [launcher, "run", "--kernel", os.path.join(GUEST, "Image"), "--initrd",
            os.path.join(BENCH, guest, "initramfs.cpio.gz"), "--append", cmdline, "--mem", "1G", "--no-rng",
            "--stats", "--cpu", cpu, "--name", name, "--exit-on", mark]


def mark_key(line):
    """The key of MARKS ("init", "mstart", "mend") whose marker line LINE is, or None."""
    for m, key in MARKS.items():
        if line.strip().startswith(m):
            return key
    return None


def module_cpu(r):
    """The module phase alone (modules-start to modules-end): each thread group's CPU in it; {} without both marks."""
    return phase_cpu(r, "mstart", "mend")


def phase_cpu(r, start, end):
    """Each thread group's CPU between the marks START and END (keys of MARKS' values); {} without both."""
    ms, me = r.get(start + "_cpu"), r.get(end + "_cpu")
    return {k: me[k] - ms[k] for k in me} if ms and me else {}


def run_once(launcher, opts, guest, mark, name, logpath=None, cpu="jit"):
    """One run of GUEST to MARK: the wall time since the spawn and the CPU by thread group (group) at each of the
    guest's MARKS, and the figures of --stats. With LOGPATH, every line of the run's output stamped there (run_stamped's
    log, with the run thread's and C2's CPU at the marks)."""
    env = dict(os.environ)
    if opts:
        env["VMCKPT_JAVA_OPTS"] = opts

    def cpu_at(pid, tag, line):
        if tag == "out" and mark_key(line):
            cpu = thread_cpu(pid)
            return group(cpu) if cpu else None  # (empty if the JVM was already gone)
        return None
    lines, rc = run_stamped(run_command(launcher, guest, mark, name, cpu), env, logpath, cpu_at,
                            lambda c: f" run {c['run']:.2f} C2 {c['C2']:.2f}")
    r = {}
    for now, tag, cpu, line in lines:
        if tag == "out":
            key = mark_key(line)
            if key:
                r[key + "_wall"] = now
                if cpu:
                    r[key + "_cpu"] = cpu
            elif line.startswith("BENCH-INFO"):
                r.setdefault("info", []).append(line.strip())
            continue
        if "run thread CPU" in line:
            r["run_cpu_stats"] = float(line.split("run thread CPU ")[1].split(" s")[0])
            r["mips_per_cpu_s"] = float(line.split("(")[1].split(" MIPS")[0])
            if "the first instruction " in line:
                r["first_insn_s"] = float(line.split("the first instruction ")[1].split(" s")[0])
        if "of instructions run translated" in line:
            r["translated_pct"] = float(line.split("translator: ")[1].split("%")[0])
            r["units"] = int(line.split("; ")[1].split(" units built")[0].replace(",", ""))
            r["nocode"] = no_code(line)
        if " page walks; " in line and "TLB: " in line:  # (round 78: the run's page walks, Hart.tlbStats; a conflict episode's mark; round 84: "second way" for "two-way TLB")
            r["walks"] = int(line.split("TLB: ")[1].split(" page walks")[0].replace(",", ""))
        if "device/code-write deferrals" in line:  # (round 68: a C1 unit's leave before a miss is one)
            r["deferrals"] = int(line.split(" device/code-write deferrals")[0].rsplit(" ", 1)[1].replace(",", ""))
        if "C1 units' leaves before a miss: " in line:  # (round 68: CodeCache.missLeft's summary)
            r["c1_leaves"] = int(line.split("C1 units' leaves before a miss: ")[1].split(";")[0].replace(",", ""))
            r["c1_rebuilds"] = int(line.split("): ")[1].split(" asked")[0].replace(",", ""))
        if "translator: units compiled" in line or "translator profile" in line or "interpreted" in line:
            r.setdefault("notes", []).append(line)
    r["exit"] = rc
    return r


CANARY = "/tmp/vmckpt-canary"


def canary():
    """bench/cpu/canary.c's two fixed loops' thread CPU seconds (ALU, memory walk): the host's speed just then, outside
    the JVM (compiled to /tmp/vmckpt-canary on first use). A slow signed boot comes with slower C1, collector, start-up
    and module phase too, and slow boots follow each other in run order (round 67): a pair whose canaries are slow
    is the host's, not the jar's."""
    if not os.path.exists(CANARY):
        subprocess.run(["gcc", "-O2", "-o", CANARY, os.path.join(os.path.dirname(os.path.abspath(__file__)), "canary.c")], check=True)
    out = subprocess.run([CANARY], capture_output=True, text=True).stdout.split()
    return [float(out[1]), float(out[3])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int, nargs="?", default=3)
    ap.add_argument("--guest", default="signed")
    ap.add_argument("--mark", default="BENCH-INFO tainted", help="the line to exit on (one after modules-end, so that the JVM is alive at modules-end)")
    ap.add_argument("--launcher", action="append", required=True, help="NAME=PATH[,JAVA_OPTS]")
    ap.add_argument("--cpu", default="jit", help="vmckpt run's --cpu: jit (the default) or interp (the interpreter alone)")
    ap.add_argument("--json")
    ap.add_argument("--canary", action="store_true", help="run bench/cpu/canary.c's fixed work before and after each run (round 67)")
    args = ap.parse_args()
    launchers = [parse_launcher(spec) for spec in args.launcher]
    print(f"# {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC, guest {args.guest}, to '{args.mark}', "
          f"--cpu {args.cpu}, load average {os.getloadavg()[0]:.2f}", flush=True)
    results = {n: [] for n, _, _ in launchers}
    for i in range(args.runs):
        for name, path, opts in launchers:
            load = os.getloadavg()[0]
            c0 = canary() if args.canary else None
            r = run_once(path, opts, args.guest, args.mark, f"threads-{os.getpid()}-{name}", cpu=args.cpu)
            r["load"] = load
            r["guest"] = args.guest  # (round 72: bench/cpu/pairs.py reads it)
            r["round"] = i + 1
            if args.canary:
                r["canary"] = [c0, canary()]
            results[name].append(r)
            ini, end = r.get("init_cpu", {}), r.get("mend_cpu", {})
            mods = (r["mend_wall"] - r["mstart_wall"]) if "mend_wall" in r and "mstart_wall" in r else float("nan")
            mcpu = module_cpu(r)
            if mcpu:
                r["modules_cpu"] = mcpu
            later = ""
            for part, a, b in (("sha256", "cstart", "s256"), ("gzip", "s256", "cend")):  # (the compute phase's parts: JSON only)
                pc = phase_cpu(r, a, b)
                if pc:
                    r[part + "_cpu"] = pc
                    r[part + "_wall"] = r[b + "_wall"] - r[a + "_wall"]  # (round 81)
            for phase, a, b in (("compute", "cstart", "cend"), ("fork", "fstart", "fend")):
                pc = phase_cpu(r, a, b)
                if pc:
                    r[phase + "_cpu"] = pc
                    r[phase + "_wall"] = r[b + "_wall"] - r[a + "_wall"]
                    later += f" | {phase} wall {r[phase + '_wall']:5.2f} s, run {pc['run']:4.2f} C1 {pc['C1']:4.2f} C2 {pc['C2']:4.2f}"
            print(f"{name:>10} round {i + 1} load {load:5.2f}: /init wall {r.get('init_wall', float('nan')):5.2f} s, run "
                  f"{ini.get('run', 0):4.2f} C1 {ini.get('C1', 0):4.2f} C2 {ini.get('C2', 0):4.2f} tr "
                  f"{ini.get('translator', 0):4.2f} gc {ini.get('gc', 0):4.2f} wait {ini.get('run-wait', 0):4.2f} | modules wall {mods:5.2f} s, run {mcpu.get('run', float('nan')):4.2f} C1 "
                  f"{mcpu.get('C1', float('nan')):4.2f} C2 {mcpu.get('C2', float('nan')):4.2f} tr {mcpu.get('translator', float('nan')):4.2f} "
                  f"wait {mcpu.get('run-wait', float('nan')):4.2f} | at mark: run {end.get('run', 0):4.2f} "
                  f"C1 {end.get('C1', 0):4.2f} C2 {end.get('C2', 0):4.2f} tr {end.get('translator', 0):4.2f} | "
                  f"{r.get('mips_per_cpu_s', 0):.0f} MIPS/CPU s, {r.get('translated_pct', 0):.1f}% translated, "
                  f"{r.get('units', 0)} units, {r.get('nocode', '?')} hot builds without code, first insn {r.get('first_insn_s', float('nan')):.2f} s{'' if r['exit'] == 0 else ' exit ' + str(r['exit'])}{later}"
                  + (f" | canary alu {r['canary'][0][0]:.3f}/{r['canary'][1][0]:.3f} mem {r['canary'][0][1]:.3f}/{r['canary'][1][1]:.3f}" if args.canary else ""), flush=True)
    print("# medians")
    for name in results:
        rs = [r for r in results[name] if "init_cpu" in r and "mend_cpu" in r]
        if not rs:
            continue

        def med(f):
            v = [f(r) for r in rs if f(r) is not None]
            return statistics.median(v) if v else float("nan")
        print(f"{name:>10}: /init wall {med(lambda r: r['init_wall']):.2f} s, run {med(lambda r: r['init_cpu']['run']):.2f}, "
              f"C1 {med(lambda r: r['init_cpu']['C1']):.2f}, C2 {med(lambda r: r['init_cpu']['C2']):.2f}; modules wall "
              f"{med(lambda r: r.get('mend_wall', 0) - r.get('mstart_wall', 0)):.2f} s, run "
              f"{med(lambda r: r.get('modules_cpu', {}).get('run')):.2f} C1 {med(lambda r: r.get('modules_cpu', {}).get('C1')):.2f}; at mark run "
              f"{med(lambda r: r.get('mend_cpu', {}).get('run')):.2f} C1 {med(lambda r: r.get('mend_cpu', {}).get('C1')):.2f}; "
              f"{med(lambda r: r.get('mips_per_cpu_s')):.0f} MIPS/CPU s"
              + "".join(f"; {p} wall {med(lambda r: r.get(p + '_wall')):.2f} s, run {med(lambda r: r.get(p + '_cpu', {}).get('run')):.2f}"
                        for p in ("compute", "fork") if any(p + "_cpu" in r for r in rs)))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
