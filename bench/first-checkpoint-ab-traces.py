#!/usr/bin/env python3
"""The capture traces (-Dvmckpt.capture.trace=true) of each VM's checkpoints in bench/first-checkpoint-ab.py's output
directory, matched to the checkpoints by time (a trace's CLOCK_MONOTONIC start inside the request's window; a
warm-up's own captures fall outside), one line per checkpoint: the pause, its CPU, the capturing thread's switches and
run-queue wait, and the threads that ran around it. A benchmark summary, not a test.

    bench/first-checkpoint-ab-traces.py DIR
"""
import json
import os
import re
import sys

TRACE = re.compile(r"capture trace: start (\d+) ns end (\d+) ns pause ([\d.]+) ms cpu ([\d.]+) ms; minflt (-?\d+) majflt (-?\d+) "
                   r"voluntary (-?\d+) involuntary (-?\d+) run-queue wait ([\d.-]+) ms")
THREADS = re.compile(r"capture trace: this process's threads on a CPU around the pause \(ms\): (.*)")


def main():
    top = sys.argv[1]
    for tag in sorted(os.listdir(top), key=lambda t: (int(t.split("-")[0]), t)):
        d = os.path.join(top, tag)
        try:
            wl = tag.split("-")[1]
            cks = json.load(open(os.path.join(d, "restore.json")))["workloads"][wl]["checkpoints"]
            err = open(os.path.join(d, "logs", f"vmckpt-{wl}.err")).read().splitlines()
        except (OSError, KeyError, ValueError, IndexError):
            continue
        traces = []
        for i, line in enumerate(err):
            m = TRACE.search(line)
            if m:
                th = THREADS.search(err[i + 1]) if i + 1 < len(err) else None
                traces.append((int(m.group(1)) / 1e9, m, th.group(1) if th else ""))
        for k, c in enumerate(cks):
            inside = [t for t in traces if c["t0"] <= t[0] <= c["t1"]]
            name = "first" if k == 0 else f"later-{k}"
            if not inside:
                print(f"{tag} {name}: no trace")
                continue
            _, m, th = inside[-1]
            print(f"{tag} {name}: pause {m.group(3)} ms cpu {m.group(4)} ms, voluntary {m.group(7)} involuntary {m.group(8)}, "
                  f"run-queue wait {m.group(9)} ms; around it: {th}")


if __name__ == "__main__":
    main()
