#!/usr/bin/env python3
"""Port forwards across a live migration (issue 12): a benchmark, not a test.

The default guest serves a small file with busybox httpd through `--net user,hostfwd=tcp:127.0.0.1:PORT-:80`; a
second vmckpt process waits with `--incoming` and the same forward (same host, same port). A client on the host
GETs the file through the forward in a loop (a new connection each, as fast as they complete) while `vmckpt
migrate --keep-source` moves the VM (pre-copy by default). Printed per repetition: the longest gap between two
successful GETs around the migration (what a client of the service sees), how many GETs failed (connections the
source reset at switch-over, or refused before the destination had bound the port), and that the last answer came
from the guest at the destination (it rewrites the file after the migration).

    bench/migrate_forward.py [--reps 3] [--mode precopy|postcopy] [--vmckpt ./vmckpt]
"""
import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Vm:
    def __init__(self, vmckpt, work, name, args):
        self.console = os.path.join(work, name + ".console")
        self.log = os.path.join(work, name + ".log")
        with open(self.log, "wb") as log:
            self.p = subprocess.Popen([vmckpt, "run", "--name", name, "--repo", os.path.join(work, "repo"), "--console", self.console] + args,
                                      stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT)

    def text(self, which="console"):
        try:
            with open(self.console if which == "console" else self.log, "rb") as f:
                return f.read().decode("latin1")
        except FileNotFoundError:
            return ""

    def wait(self, s, which="console", timeout=300):
        deadline = time.time() + timeout
        while s not in self.text(which):
            if time.time() > deadline or self.p.poll() is not None:
                raise RuntimeError(f"no '{s}' in {self.console if which == 'console' else self.log}")
            time.sleep(0.05)

    def type(self, line):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()

    def kill(self):
        self.p.kill()
        self.p.wait()


def get(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.settimeout(5)
        s.sendall(b"GET /where HTTP/1.0\r\n\r\n")
        data = b""
        while True:
            x = s.recv(4096)
            if not x:
                break
            data += x
        return data.split(b"\r\n\r\n", 1)[-1].strip().decode("latin1") if b" 200 " in data.split(b"\r\n", 1)[0] else None
    finally:
        s.close()


def one(vmckpt, mode, rep):
    work = tempfile.mkdtemp(prefix="vmckpt-fwd-")
    port, mig = free_port(), free_port()
    net = f"user,hostfwd=tcp:127.0.0.1:{port}-:80"
    src = Vm(vmckpt, work, f"fwd-src-{rep}", ["--insecure", "--net", net])
    dst = None
    try:
        src.wait("VMCKPT-READY")
        src.type("echo at-the-source > /www/where; httpd -h /www; echo httpd-st''arted")
        src.wait("httpd-started")
        dst = Vm(vmckpt, work, f"fwd-dst-{rep}", ["--incoming", f"tcp:127.0.0.1:{mig}", "--insecure", "--net", net])
        dst.wait("waiting for a migration", which="log")
        results, stop = [], threading.Event()

        def client():
            while not stop.is_set():
                t = time.time()
                try:
                    results.append((t, get(port)))
                except OSError:
                    results.append((t, None))

        th = threading.Thread(target=client)
        th.start()
        time.sleep(1.0)
        t0 = time.time()
        r = subprocess.run([vmckpt, "migrate", f"fwd-src-{rep}", f"tcp:127.0.0.1:{mig}", "--" + mode, "--keep-source"],
                           capture_output=True, text=True)
        t1 = time.time()
        dst.type("echo at-the-destination > /www/where")
        time.sleep(1.5)
        stop.set()
        th.join()
        ok = [t for t, body in results if body]
        gap = max(b - a for a, b in zip(ok, ok[1:]))
        failed = sum(1 for t, body in results if not body and t0 - 0.5 <= t)
        last = [body for t, body in results if body][-1]
        print(f"rep {rep}: {r.stdout.strip() or r.stderr.strip()}")
        print(f"rep {rep}: {len(results)} GETs, longest gap between successful ones {gap * 1e3:.0f} ms, "
              f"{failed} failed from the migration on, last answer '{last}' (migrate took {t1 - t0:.2f} s)", flush=True)
    finally:
        src.kill()
        if dst:
            dst.kill()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mode", default="precopy", choices=["precopy", "postcopy"])
    ap.add_argument("--vmckpt", default=os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "vmckpt"))
    a = ap.parse_args()
    for rep in range(a.reps):
        one(a.vmckpt, a.mode, rep)


if __name__ == "__main__":
    sys.exit(main())
