#!/usr/bin/env python3
"""Is the fork phase's slow mode the run's (its JVM: code, compiles, heap) or the host's at that moment? (round 71)

Boots bench/cpu's default guest (or with --guest signed the signed one) with an /init whose fork phase (400 fork+exec of /bin/true) runs R times in a row
(an extra cpio appended to the benchmark's initramfs replaces /init; everything before the fork phase is the
benchmark's), and beside it a probe (bench/cpu/memprobe.c) that walks a 4 MiB table at random every 250 ms and prints
its own thread CPU for the walk: a host whose caches or memory another tenant is using makes the walk slower. At each
repetition's marks the run thread's CPU is read (as threads.py does). Prints per repetition the run thread's CPU and
wall, and the probe's walks inside it (median and max); with --counts also JitCounts' per-repetition deltas
(instructions, interpreted, units built, C1 leaves), to show the same work each time. If the slow mode is the run's,
a run's repetitions share a mode; if it is the host's, modes change within a run and follow the probe.

  python3 bench/cpu/fork-repeat.py 2 --repeat 6 --launcher x=./vmckpt --out DIR [--counts] [--no-probe]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import threads  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PROBE = "/tmp/vmckpt-memprobe"


def initramfs(repeat, out, no_compute=False, guest="default"):
    """The benchmark's GUEST initramfs (default or signed: both have bench/cpu/init) with an /init whose fork phase runs REPEAT times (an appended cpio); with
    NO_COMPUTE without the compute phase (its data, sha256sum and gzip)."""
    src = open(os.path.join(HERE, "init")).read()
    if no_compute:
        a = src.index("benchtool gen ")
        b = src.index("rm -f /tmp/data /tmp/data.gz")
        src = src[:a] + src[b:]
    start = src.index("before=$(sed -n 's/^processes //p' /proc/stat)")
    end = src.index('echo "BENCH-INFO forks $((after - before))"') + len('echo "BENCH-INFO forks $((after - before))"')
    block = src[start:end]
    loop = f"r=0\nwhile [ $r -lt {repeat} ]; do\n{block}\nr=$((r + 1))\ndone"
    init = src[:start] + loop + src[end:]
    d = tempfile.mkdtemp(prefix="forkrep-")
    with open(os.path.join(d, "init"), "w") as f:
        f.write(init)
    os.chmod(os.path.join(d, "init"), 0o755)
    extra = os.path.join(d, "extra.cpio.gz")
    subprocess.run(f"cd {d} && echo init | cpio --quiet -o -H newc -R 0:0 | gzip -9 -n > {extra}", shell=True, check=True)
    with open(out, "wb") as f:
        f.write(open(os.path.join(threads.BENCH, guest, "initramfs.cpio.gz"), "rb").read())
        f.write(open(extra, "rb").read())
    return out


def probe_thread(samples, stop):
    if not os.path.exists(PROBE):
        subprocess.run(["gcc", "-O2", "-o", PROBE, os.path.join(HERE, "memprobe.c")], check=True)
    p = subprocess.Popen([PROBE, "250"], stdout=subprocess.PIPE, text=True)
    for line in p.stdout:
        t, walk = line.split()
        samples.append((float(t), float(walk)))
        if stop.is_set():
            break
    p.kill()
    p.wait()


def run_one(launcher, opts, initrd, counts, cpu="jit"):
    cmdline = open(os.path.join(threads.GUEST, "cmdline")).read().strip()
    cmd = [launcher, "run", "--kernel", os.path.join(threads.GUEST, "Image"), "--initrd", initrd, "--append", cmdline,
           "--mem", "1G", "--no-rng", "--stats", "--cpu", cpu, "--name", "forkrep-" + str(os.getpid()), "--exit-on", "BENCH-DONE"]
    env = dict(os.environ)
    o = (opts or "") + (" -Dvmckpt.jit.counts=true" if counts else "")
    if o.strip():
        env["VMCKPT_JAVA_OPTS"] = o.strip()
    marks, errlines = [], []
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)

    def err_reader():
        for raw in p.stderr:
            errlines.append((time.monotonic(), raw.decode(errors="replace").rstrip("\n")))
    te = threading.Thread(target=err_reader)
    te.start()
    for raw in p.stdout:
        line = raw.decode(errors="replace").strip()
        if line.startswith("BENCH-MARK") or line.startswith("BENCH-INFO") or line.startswith("BENCH-INIT"):
            now = time.monotonic()
            cpu = threads.group(threads.thread_cpu(p.pid)) if line.startswith("BENCH-MARK") else None
            marks.append((now, line, cpu))
    p.wait()
    te.join()
    return marks, errlines, p.returncode


def counts_at(errlines, t):
    """The last JitCounts line (parsed) at or before monotonic time T."""
    last = None
    for now, line in errlines:
        if now > t:
            break
        if line.startswith("vmckpt-jit "):
            last = line
    if last is None:
        return {}
    d = {}
    for tok in last.split()[1:]:
        k, _, v = tok.partition("=")
        try:
            d[k] = int(v)
        except ValueError:
            pass
    return d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("--repeat", type=int, default=6)
    ap.add_argument("--launcher", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--counts", action="store_true")
    ap.add_argument("--no-probe", action="store_true")
    ap.add_argument("--no-compute", action="store_true", help="an /init without the compute phase")
    ap.add_argument("--cpu", default="jit")
    ap.add_argument("--guest", default="default", help="bench/cpu's guest: default or signed (round 75)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    initrd = initramfs(args.repeat, os.path.join(args.out, f"initramfs-fork{args.repeat}-{args.guest}.cpio.gz"), args.no_compute, args.guest)
    results = []
    for i in range(args.n):
        for spec in args.launcher:
            name, path, opts = threads.parse_launcher(spec)
            samples, stop = [], threading.Event()
            tp = None
            if not args.no_probe:
                tp = threading.Thread(target=probe_thread, args=(samples, stop), daemon=True)
                tp.start()
            marks, errlines, rc = run_one(path, opts, initrd, args.counts, args.cpu)
            stop.set()
            reps = []
            starts = [m for m in marks if m[1].startswith("BENCH-MARK fork-start")]
            ends = [m for m in marks if m[1].startswith("BENCH-MARK fork-end")]
            cstart = [m for m in marks if m[1].startswith("BENCH-MARK compute-start")]
            cend = [m for m in marks if m[1].startswith("BENCH-MARK compute-end")]
            for k, (s, e) in enumerate(zip(starts, ends)):
                rep = {"rep": k + 1, "run": e[2]["run"] - s[2]["run"], "wall": e[0] - s[0],
                       "C1": e[2]["C1"] - s[2]["C1"], "translator": e[2]["translator"] - s[2]["translator"],
                       "gc": e[2]["gc"] - s[2]["gc"], "wait": e[2]["run-wait"] - s[2]["run-wait"]}
                inside = [w for t, w in samples if s[0] <= t <= e[0]]
                rep["probe_n"] = len(inside)
                rep["probe_median"] = statistics.median(inside) if inside else None
                rep["probe_max"] = max(inside) if inside else None
                if args.counts:
                    a, b = counts_at(errlines, s[0]), counts_at(errlines, e[0])
                    rep["counts"] = {k2: b[k2] - a.get(k2, 0) for k2 in b if k2 in a}
                reps.append(rep)
            comp = None
            if cstart and cend:
                comp = {"run": cend[0][2]["run"] - cstart[0][2]["run"],
                        "probe": [w for t, w in samples if cstart[0][0] <= t <= cend[0][0]]}
            stats = [l for _, l in errlines if l.startswith("vmckpt: ")]
            results.append({"name": f"{name}-{i + 1}", "exit": rc, "reps": reps, "compute": comp, "stats": stats,
                            "info": [m[1] for m in marks if m[1].startswith("BENCH-INFO")]})
            print(f"# {name}-{i + 1}: exit {rc}; compute run {comp['run'] if comp else float('nan'):.2f}"
                  f" (probe median {statistics.median(comp['probe']) if comp and comp['probe'] else float('nan'):.3f})", flush=True)
            for rep in reps:
                c = rep.get("counts", {})
                extra = ""
                if c:
                    extra = (f" insns {c.get('instret', 0) / 1e6:.0f}M interp {(c.get('instret', 0) - c.get('translated', 0)) / 1e6:.0f}M"
                             f" units {c.get('units', 0)} c1Leaves {c.get('c1Leaves', 0)} rebuilds {c.get('c1Rebuilds', 0)}"
                             f" timerIrqs {c.get('timerIrqs', 0)} loadMiss? - ns/insn {c.get('runCpuNs', 0) / max(1, c.get('instret', 1)):.2f}")
                pm = rep["probe_median"]
                print(f"   rep {rep['rep']}: run {rep['run']:.2f} s wall {rep['wall']:.2f} C1 {rep['C1']:.2f} tr {rep['translator']:.2f}"
                      f" wait {rep['wait']:.2f} probe {rep['probe_n']} walks median {pm if pm is None else round(pm, 4)}"
                      f" max {rep['probe_max'] if rep['probe_max'] is None else round(rep['probe_max'], 4)}{extra}", flush=True)
    json.dump(results, open(os.path.join(args.out, "fork-repeat.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
