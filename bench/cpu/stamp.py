#!/usr/bin/env python3
"""Runs a command and writes its output lines, stdout ("out") and stderr ("err"), each stamped with the seconds since
the spawn, to OUT ("SECONDS TAG | text", the format bench/cpu/hot-queue.py reads; round 46). Not a test.

  python3 bench/cpu/stamp.py OUT -- ./vmckpt run ...
"""
import sys, time, subprocess, threading, os

out = sys.argv[1]; cmd = sys.argv[3:]
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
f = open(out, "w"); lock = threading.Lock()
def rd(s, tag):
    for raw in s:
        line = raw.decode(errors="replace").rstrip("\n")
        now = time.monotonic() - t0
        with lock: f.write(f"{now:8.3f} {tag} | {line}\n")
ts = [threading.Thread(target=rd, args=(p.stdout, "out")), threading.Thread(target=rd, args=(p.stderr, "err"))]
[t.start() for t in ts]; p.wait(); [t.join() for t in ts]; f.close(); sys.exit(p.returncode)
