#!/usr/bin/env python3
"""A steady guest's own heartbeat gaps (a benchmark helper, not a test): boots the default guest, 1 GiB, running
memdirty 256 MiB at 10%/s with a 10 ms heartbeat (bench/migrate.py's workload), stamps each heartbeat line as it
arrives on the pipe, and after SECONDS of heartbeats prints the gaps' median, 99th percentile, longest and how many
exceed 15, 20 and 25 ms (the first second after the workload is ready is left out). No migration, no checkpoint: what
the guest, the VMM and the host do on their own. Extra arguments go to `vmckpt run` (e.g. --realtime).

    bench/steady-gaps.py LAUNCHER SECONDS [vmckpt run options...]
"""
import os
import subprocess
import sys
import tempfile
import time


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__)
        sys.exit(0 if len(sys.argv) > 1 and sys.argv[1] in ("-h", "--help") else 2)
    launcher, secs, extra = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    env = dict(os.environ, XDG_RUNTIME_DIR=tempfile.mkdtemp(prefix="steady-gaps-"))
    p = subprocess.Popen([launcher, "run", "--mem", "1G", "--workload", "memdirty,256,10,10", "--name", f"gaps{os.getpid()}"] + extra,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    stamps, ready = [], None
    for raw in iter(p.stdout.readline, b""):
        t, line = time.monotonic(), raw.decode(errors="replace")
        if "memdirty ready" in line:
            ready = t
        elif ready is None and ("error" in line.lower() or "warning" in line.lower()):
            print(line, end="")
        if ready is not None and "memdirty heartbeat" in line:
            stamps.append(t)
            if t - ready > secs + 1:
                break
    p.kill()
    p.wait()
    gaps = sorted((b - a) * 1000 for a, b in zip(stamps, stamps[1:]) if a - ready >= 1)
    if not gaps:
        sys.exit("steady-gaps: no heartbeats (did the guest boot?)")
    print(f"load {os.getloadavg()[0]:.2f}; n={len(gaps)} median={gaps[len(gaps) // 2]:.1f} p99={gaps[int(len(gaps) * .99)]:.1f} "
          f"max={gaps[-1]:.1f}  >15:{sum(g > 15 for g in gaps)} >20:{sum(g > 20 for g in gaps)} >25:{sum(g > 25 for g in gaps)}")
    print("longest:", " ".join(f"{g:.1f}" for g in gaps[-12:]))


if __name__ == "__main__":
    main()
