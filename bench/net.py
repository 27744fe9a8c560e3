#!/usr/bin/env python3
"""Network benchmark (not a test): the default guest under vmckpt --net user and under QEMU -nic user
(virtio-net-device on virtio-mmio, TCG), interleaved round by round so both see the same machine load.

    python3 bench/net.py [--rounds N] [--mib M] [--skip-qemu]

Per round and VMM: guest->host TCP throughput (the host downloads a file of zeros from the guest's busybox
httpd through a hostfwd port, timed host-side from first byte to EOF), host->guest throughput (the guest's busybox wget of a host file via the
gateway to /dev/null, timed host-side from the request to the guest's done line), and sequential HTTP
requests per second against busybox httpd through a hostfwd port (a new connection each). For vmckpt also:
the longest gap in the guest->host stream around a live checkpoint taken mid-transfer, next to the longest
gap in the same stream before it, and the checkpoint's own downtime. Uses the guest in
${XDG_CACHE_HOME:-~/.cache}/vmckpt/guest (it must have networking: guest/build-guest.sh).
"""
import argparse, http.server, json, os, socket, statistics, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GUEST = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "vmckpt", "guest")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Vm:
    """A VMM process with the guest's console in a file and its input on a pipe."""

    def __init__(self, kind, http_port, mem="512M"):
        self.kind = kind
        self.console = tempfile.NamedTemporaryFile(prefix="netbench-", suffix=".console", delete=False).name
        self.socket = self.console + ".sock"
        fwd = f"hostfwd=tcp:127.0.0.1:{http_port}-:80"
        if kind == "vmckpt":
            cmd = [os.path.join(ROOT, "vmckpt"), "run", "--name", f"netbench{os.getpid()}", "--mem", mem, "--api-socket", self.socket,
                   "--net", "user," + fwd, "--console", self.console]
            out = subprocess.DEVNULL
        else:
            cmd = [os.path.join(ROOT, "guest", "qemu-boot.sh"), "--mem", mem, "--no-balloon", "--",
                   "-netdev", "user,id=n0," + fwd, "-device", "virtio-net-device,netdev=n0"]
            out = open(self.console, "wb")
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out, stderr=subprocess.DEVNULL)

    def text(self):
        with open(self.console, "rb") as f:
            return f.read().decode("latin-1")

    def wait_for(self, marker, start=0, timeout=300):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.text()
            i = t.find(marker, start)
            if i >= 0:
                return i + len(marker)
            if self.p.poll() is not None:
                raise RuntimeError(f"{self.kind} exited:\n{t[-2000:]}")
            time.sleep(0.01)
        raise RuntimeError(f"{self.kind}: no {marker!r} within {timeout}s:\n{self.text()[-2000:]}")

    def type(self, line):
        # Slowly: the UART's input queue is small.
        for i in range(0, len(line), 32):
            self.p.stdin.write(line[i:i + 32].encode())
            self.p.stdin.flush()
            time.sleep(0.02)
        self.p.stdin.write(b"\n")
        self.p.stdin.flush()

    def run(self, command, done, timeout=300):
        start = len(self.text())
        self.type(command)
        return self.wait_for(done, start, timeout)

    def qmp(self, command, args=None):
        s = socket.socket(socket.AF_UNIX)
        s.connect(self.socket)
        f = s.makefile("rw")
        f.readline()
        def call(c, a=None):
            f.write(json.dumps({"execute": c, **({"arguments": a} if a else {})}) + "\n")
            f.flush()
            while True:
                r = json.loads(f.readline())
                if "event" not in r:
                    return r
        call("qmp_capabilities")
        r = call(command, args)
        s.close()
        return r

    def stop(self):
        self.p.kill()
        self.p.wait()
        for f in (self.console, self.socket):
            if os.path.exists(f):
                os.unlink(f)


def guest_to_host(vm, port, path, checkpoint=False):
    """The host downloads a file from the guest's httpd through hostfwd; returns (MB/s, chunk arrivals, checkpoint)."""
    result = {}

    def receive():
        c = socket.create_connection(("127.0.0.1", port), timeout=120)
        c.sendall(f"GET /{path} HTTP/1.0\r\n\r\n".encode())
        arrivals = []
        total = 0
        while True:
            b = c.recv(1 << 16)
            if not b:
                break
            total += len(b)
            arrivals.append((time.perf_counter(), total))
        result.update(total=total, arrivals=arrivals)
        c.close()

    t = threading.Thread(target=receive)
    t.start()
    ck = None
    if checkpoint:
        time.sleep(0.5)  # into the transfer
        if t.is_alive():
            t0 = time.perf_counter()
            r = vm.qmp("vmckpt-checkpoint", {"name": f"netbench-{time.time_ns()}"})
            ck = (t0, time.perf_counter(), r.get("return", r))
    t.join(600)
    a = result["arrivals"]
    return result["total"] / (a[-1][0] - a[0][0]) / 1e6, a, ck


def max_gap(arrivals, t0, t1):
    times = [a[0] for a in arrivals if t0 <= a[0] <= t1]
    return max((b - a for a, b in zip(times, times[1:])), default=0.0)


class FileServer(http.server.BaseHTTPRequestHandler):
    data = b""
    started = None

    def do_GET(self):
        FileServer.started = time.perf_counter()
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.data)))
        self.end_headers()
        self.wfile.write(self.data)

    def log_message(self, *a):
        pass


def host_to_guest(vm, port):
    start = len(vm.text())
    FileServer.started = None
    vm.type(f"wget -q -O /dev/null http://10.0.2.2:{port}/f; echo down-do''ne")
    vm.wait_for("down-done", start, 600)
    return len(FileServer.data) / (time.perf_counter() - FileServer.started) / 1e6


def requests_per_second(port, seconds=5.0):
    n = 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        s.sendall(b"GET /s HTTP/1.0\r\n\r\n")
        while s.recv(65536):
            pass
        s.close()
        n += 1
    return n / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--mib", type=int, default=32)
    ap.add_argument("--skip-qemu", action="store_true")
    a = ap.parse_args()
    FileServer.data = bytes(a.mib << 20)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FileServer)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    kinds = ["vmckpt"] + ([] if a.skip_qemu else ["qemu"])
    results = {k: {"up": [], "down": [], "rps": []} for k in kinds}
    print(f"net benchmark: {a.rounds} rounds, {a.mib} MiB transfers, host {os.uname().nodename}, {os.cpu_count()} CPUs, "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    for rnd in range(a.rounds):
        order = kinds if rnd % 2 == 0 else kinds[::-1]
        for kind in order:
            port = free_port()
            t0 = time.perf_counter()
            vm = Vm(kind, port)
            try:
                vm.wait_for("VMCKPT-READY")
                boot = time.perf_counter() - t0
                vm.run(f"echo hello > /www/s; dd if=/dev/zero of=/www/z bs=1M count={a.mib} 2>/dev/null; "
                       f"dd if=/dev/zero of=/www/z4 bs=1M count={a.mib * 4} 2>/dev/null; httpd -h /www; echo ht''tpd-up", "httpd-up")
                up, arrivals, _ = guest_to_host(vm, port, "z")
                down = host_to_guest(vm, httpd.server_address[1])
                rps = requests_per_second(port)
                r = results[kind]
                r["up"].append(up)
                r["down"].append(down)
                r["rps"].append(rps)
                line = (f"round {rnd + 1} {kind:6}: boot {boot:5.1f} s, guest->host {up:6.2f} MB/s, host->guest {down:6.2f} MB/s, "
                        f"{rps:6.1f} requests/s")
                if kind == "vmckpt":
                    up2, arr2, ck = guest_to_host(vm, port, "z4", checkpoint=True)
                    if ck:
                        t_req, t_rep, rep = ck
                        before = max_gap(arr2, arr2[0][0], t_req)
                        during = max_gap(arr2, t_req - 0.05, t_rep + 0.05)
                        line += (f"; stream with a live checkpoint {up2:5.2f} MB/s, longest gap before it {before * 1e3:5.1f} ms, "
                                 f"around it {during * 1e3:5.1f} ms, checkpoint downtime {rep.get('downtime-ns', 0) / 1e6:4.2f} ms")
                print(line, flush=True)
            finally:
                vm.stop()
    print("medians:")
    for k in kinds:
        r = results[k]
        print(f"  {k:6}: guest->host {statistics.median(r['up']):6.2f} MB/s, host->guest {statistics.median(r['down']):6.2f} MB/s, "
              f"{statistics.median(r['rps']):6.1f} requests/s")
    if len(kinds) == 2:
        v, q = results["vmckpt"], results["qemu"]
        print("  vmckpt/qemu: guest->host %.2fx, host->guest %.2fx, requests/s %.2fx" % (
            statistics.median(v["up"]) / statistics.median(q["up"]), statistics.median(v["down"]) / statistics.median(q["down"]),
            statistics.median(v["rps"]) / statistics.median(q["rps"])))
    httpd.shutdown()


if __name__ == "__main__":
    main()
