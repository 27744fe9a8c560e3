#!/usr/bin/env python3
"""Runs of one launcher's signed-guest module phase, each with HotSpot's compile log, split into fast and slow.

For each run: bench/cpu/threads.py's run_once (run-thread, C1 and C2 CPU at the guest's marks) with the launcher's
JAVA_OPTS plus -XX:+PrintCompilation -XX:+LogVMOutput -XX:-DisplayVMOutput -XX:LogFile=DIR/NAME-N.vmlog (its stamps are
the JVM's uptime, taken as seconds since the spawn), the run's output lines stamped in DIR/NAME-N.log (threads.py's
run_stamped: -Dvmckpt.jit.hotLog=true's lines can then be placed in the phase). Then, per run, from the log: the C2
(level 4) compiles that began inside the module phase (modules-start to modules-end) by kind (hot-tier build, C1 unit,
vmckpt, JDK), the "made not entrant" events inside it, and the ten largest C2 compiles inside it by bytes. Not a
test: figures for docs/BENCHMARKS.md (round 48).

  python3 bench/cpu/modswing.py 8 --dir /tmp/ms --launcher a=./vmckpt
"""
import argparse
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
threads = __import__("threads")

# "  1234  567 %s!bn 4  org.x.Y::m (123 bytes)" with the uptime first under -XX:+PrintCompilation (ms)
PC = re.compile(r'^\s*(\d+)\s+(\d+)\s+([%sbn! ]*?)\s*(\d)\s+(\S+)(?: @ \d+)?\s+\((\d+) bytes\)(.*)$')


def kind(method):
    if "HotUnit/" in method:
        return "hot"
    if "Unit" in method and "/0x" in method:
        return "unit"
    if method.startswith("org.vmckpt"):
        return "vmckpt"
    return "jdk"


def parse(vmlog, t0, t1):
    """C2 compiles and not-entrant events between t0 and t1 (seconds of uptime)."""
    c2, nonent = [], []
    for line in open(vmlog, errors="replace"):
        m = PC.match(line)
        if not m:
            continue
        ms, cid, flags, lvl, meth, size, rest = m.groups()
        t = int(ms) / 1000.0
        if not (t0 <= t <= t1):
            continue
        if "made not entrant" in rest:
            nonent.append((t, lvl, meth, int(size)))
        elif lvl == "4" and "made zombie" not in rest:
            c2.append((t, meth, int(size), "%" in flags))
    return c2, nonent


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", type=int)
    ap.add_argument("--guest", default="signed")
    ap.add_argument("--dir", required=True)
    ap.add_argument("--launcher", required=True, help="NAME=PATH[,JAVA_OPTS]")
    ap.add_argument("--mark", default="BENCH-INFO tainted")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    name, path, opts = threads.parse_launcher(a.launcher)
    out = []
    for i in range(a.runs):
        log = os.path.join(a.dir, f"{name}-{i + 1}.vmlog")
        o = (opts + " " if opts else "") + f"-XX:+PrintCompilation -XX:+LogVMOutput -XX:-DisplayVMOutput -XX:LogFile={log}"
        load = os.getloadavg()[0]
        stamped = os.path.join(a.dir, f"{name}-{i + 1}.log")
        r = threads.run_once(path, o, a.guest, a.mark, f"modswing-{os.getpid()}", stamped)
        r["load"] = load
        ms, mc = r.get("mstart_cpu"), threads.module_cpu(r)
        if not mc:
            print(f"run {i + 1}: no marks (exit {r['exit']})", flush=True)
            continue
        c2, ne = parse(log, r["mstart_wall"], r["mend_wall"])
        bykind = {}
        for t, meth, size, osr in c2:
            k = kind(meth)
            bykind[k] = (bykind.get(k, (0, 0))[0] + 1, bykind.get(k, (0, 0))[1] + size)
        r.update(modules_cpu=mc, c2_in_phase=c2, nonentrant_in_phase=ne, log=log)
        out.append(r)
        print(f"run {i + 1} load {load:5.2f}: boot run {ms['run']:4.2f} C2 {ms['C2']:4.2f} | modules wall "
              f"{r['mend_wall'] - r['mstart_wall']:4.2f} run {mc['run']:4.2f} C1 {mc['C1']:4.2f} C2 {mc['C2']:4.2f} "
              f"tr {mc['translator']:4.2f} | C2 compiles in phase " +
              ", ".join(f"{k} {n} ({b} B)" for k, (n, b) in sorted(bykind.items())) +
              f" | not entrant {len(ne)} ({sum(1 for x in ne if x[1] == '4')} C2)", flush=True)
    with open(os.path.join(a.dir, f"{name}.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
