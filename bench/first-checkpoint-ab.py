#!/usr/bin/env python3
"""The first live checkpoint of fresh VMs, A/B (a benchmark, not a test): rounds of one fresh VM per jar and workload,
each booted by bench/restore.py (--restores 0 --no-qemu: the first live checkpoint 3 s after the workload is ready, then
--later more), the jars' order alternating from round to round; every VM's checkpoints on their own lines.

    bench/first-checkpoint-ab.py --a NAME=JAR[@JAVA_OPTS] --b NAME=JAR[@JAVA_OPTS] --rounds N --out DIR
        [--workloads memdirty,memrandom] [--guest signed] [--later 2] [--until HH:MM]

JAVA_OPTS: space-separated JVM options (quote the argument) for that jar's VMs. --until stops before a round that would start after
that UTC time. Each VM's restore.json and logs go to DIR/ROUND-WL-NAME/; the summary lines to stdout.
"""
import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def variant(spec):
    name, rest = spec.split("=", 1)
    jar, _, opts = rest.partition("@")
    return name, jar, opts


def one_vm(args, name, jar, opts, wl, tag):
    d = os.path.join(args.out, tag)
    work = os.path.join(args.work, "w")
    shutil.rmtree(os.path.join(work, "logs"), ignore_errors=True)
    cmd = [sys.executable, os.path.join(ROOT, "bench", "restore.py"), "--guest", args.guest, "--workloads", wl,
           "--later", str(args.later), "--restores", "0", "--no-qemu", "--jar", jar, "--work", work, "--results", d]
    if opts:
        cmd.append("--java-opts=" + opts)
    load0 = open("/proc/loadavg").read().split()[0]
    out = subprocess.run(cmd, capture_output=True, text=True)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "stdout.txt"), "w") as f:
        f.write(" ".join(cmd) + "\n" + out.stdout + out.stderr)
    if os.path.isdir(os.path.join(work, "logs")):
        shutil.copytree(os.path.join(work, "logs"), os.path.join(d, "logs"), dirs_exist_ok=True)
    shutil.rmtree(os.path.join(work, f"repo-{wl}"), ignore_errors=True)
    try:
        with open(os.path.join(d, "restore.json")) as f:
            r = json.load(f)["workloads"][wl]
    except (OSError, KeyError, ValueError):
        print(f"{tag}: failed (see {d}/stdout.txt)", flush=True)
        return
    for i, c in enumerate(r["checkpoints"]):
        st = c.get("stats", {})
        print(f"{tag} {'first' if i == 0 else 'later-' + str(i)}: pause {c['downtime_ms']:.3f} ms "
              f"(CPU {st.get('time.freeze.cpu.ns', 0) / 1e6:.3f}), stall {c['stall_ms']:.1f} ms, gap before "
              f"{c.get('pre_gap_ms') or 0:.0f} ms, GC in it {st.get('gc.pause.ns', 0) / 1e6:.0f} ms "
              f"(longest {st.get('gc.pause.max.ns', 0) / 1e6:.0f}), total {c['total_ms']:.0f} ms, load {c.get('load', 0):.2f}",
              flush=True)
    print(f"{tag}: boot to ready {r['boot_s']:.1f} s, load at start {load0}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True)
    ap.add_argument("--b", required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--workloads", default="memdirty,memrandom")
    ap.add_argument("--guest", default="signed")
    ap.add_argument("--later", type=int, default=2)
    ap.add_argument("--until", default=None)
    ap.add_argument("--out", required=True)
    ap.add_argument("--work", default="/tmp/vmckpt-first-ab")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    a, b = variant(args.a), variant(args.b)
    for rnd in range(args.rounds):
        if args.until:
            now = datetime.datetime.utcnow().strftime("%H:%M")
            if now >= args.until:
                print(f"round {rnd}: not started ({now} UTC, --until {args.until})", flush=True)
                break
        order = (a, b) if rnd % 2 == 0 else (b, a)
        for wl in args.workloads.split(","):
            for name, jar, opts in order:
                one_vm(args, name, jar, opts, wl, f"{rnd}-{wl}-{name}")


if __name__ == "__main__":
    main()
