#!/usr/bin/env python3
"""Round 78 (restore78): back-to-back restores of one checkpoint, each to its guest's first heartbeat (a benchmark
helper, not a test). Per restore: spawn to "vmckpt: restored" (stderr) and from there to the guest's first
"memdirty heartbeat N" line (stdout), both on this script's monotonic clock (a reader thread per pipe), then the VM
is killed. Variants run in rounds of A B C C B A (order alternating), each a jar and JVM options.

    b2b-round78-restore78.py REPO LABEL SECONDS NAME=JAR[:OPTS] ...   (OPTS space-separated; prints one line per
    restore, then medians, first runs and pairs against the first variant)
"""
import os, statistics, subprocess, sys, threading, time
sys.path.insert(0, "/work/wt-restore78/bench")
import paper  # noqa: E402 (the launcher's JVM options)

repo, label, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
variants = []
for v in sys.argv[4:]:
    name, rest = v.split("=", 1)
    jar, _, opts = rest.partition(":")
    variants.append((name, jar, opts.split()))
end = time.monotonic() + seconds


def one(name, jar, opts, n):
    vm = f"b2b78-{os.getpid()}-{n}"
    sock = f"/tmp/restore78/{vm}.sock"
    cmd = ["java"] + paper.launcher_java_options(jar) + opts + ["-jar", jar, "restore", label, "--repo", repo, "--stats",
                                                               "--api-socket", sock, "--name", vm]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    got = {}
    def rd(stream, key, text):
        for line in stream:
            if key not in got and text in line:
                got[key] = (time.monotonic(), line.strip())
    ts = [threading.Thread(target=rd, args=(p.stdout, "hb", "memdirty heartbeat"), daemon=True),
          threading.Thread(target=rd, args=(p.stderr, "restored", "vmckpt: restored"), daemon=True)]
    for t in ts: t.start()
    limit = time.monotonic() + 30
    while "hb" not in got and time.monotonic() < limit and p.poll() is None:
        time.sleep(0.005)
    p.kill()  # (a disposable VM: nothing to save)
    p.wait()
    if os.path.exists(sock):
        os.remove(sock)
    r = {"variant": name, "n": n, "load": os.getloadavg()[0]}
    if "restored" in got:
        r["restored_ms"] = (got["restored"][0] - t0) * 1e3
    if "hb" in got:
        r["first_hb_ms"] = (got["hb"][0] - t0) * 1e3
        r["beat"] = int(got["hb"][1].split()[-1])
        if "restored" in got:
            r["restored_to_hb_ms"] = r["first_hb_ms"] - r["restored_ms"]
    return r


rows = []
n = 0
order = list(range(len(variants)))
while time.monotonic() < end - 8:
    for i in order + order[::-1]:
        if time.monotonic() >= end - 8:
            break
        name, jar, opts = variants[i]
        r = one(name, jar, opts, n)
        n += 1
        rows.append(r)
        print(f"{time.strftime('%H:%M:%S', time.gmtime())} {name:10s} load {r['load']:.2f} spawn->restored {r.get('restored_ms', float('nan')):6.0f} "
              f"restored->first heartbeat {r.get('restored_to_hb_ms', float('nan')):6.0f} spawn->first heartbeat {r.get('first_hb_ms', float('nan')):6.0f} (beat {r.get('beat')})", flush=True)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else float("nan")


base = variants[0][0]
for name, _, _ in variants:
    rs = [r for r in rows if r["variant"] == name]
    if not rs:
        continue
    print(f"{name}: {len(rs)} restores; medians spawn->restored {med([r.get('restored_ms') for r in rs]):.0f}, restored->first heartbeat "
          f"{med([r.get('restored_to_hb_ms') for r in rs]):.0f}, spawn->first heartbeat {med([r.get('first_hb_ms') for r in rs]):.0f} ms; "
          f"first run {rs[0].get('restored_ms', float('nan')):.0f} / {rs[0].get('restored_to_hb_ms', float('nan')):.0f} / {rs[0].get('first_hb_ms', float('nan')):.0f}")
# Pairs: the k-th restore of a variant against the k-th of the first variant (same half round).
bs = [r for r in rows if r["variant"] == base]
for name, _, _ in variants[1:]:
    rs = [r for r in rows if r["variant"] == name]
    for key in ("restored_ms", "restored_to_hb_ms", "first_hb_ms"):
        ps = [(a.get(key), b.get(key)) for a, b in zip(rs, bs) if a.get(key) is not None and b.get(key) is not None]
        if ps:
            lower = sum(1 for a, b in ps if a < b)
            print(f"{name} against {base}, {key}: lower in {lower} of {len(ps)}; median of differences {statistics.median([a - b for a, b in ps]):+.0f} ms")
