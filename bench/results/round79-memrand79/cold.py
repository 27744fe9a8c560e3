#!/usr/bin/env python3
"""Round 79 (memrand79): the slot's cold restores (bench/restore-cpu-ab.py --gap 4 output): per variant, in run order,
spawn to restored, process CPU, collector pauses, pages.loading, MB/s of checkpoint data (272.0 MB / loading), read /
decode / copy CPU; then medians.   python3 cold.py cold-slot.txt [CHECKPOINT_BYTES]"""
import re, statistics, sys
size = float(sys.argv[2]) if len(sys.argv) > 2 else 272045766 + 31232
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \| (.*)", line)
    if not m:
        continue
    name = m.group(1).split("@", 1)[1] if "@" in m.group(1) else "mine"
    name = re.sub(r"-agentpath:\S*warmMiB=(\d+)", r"warm\1", name)
    name = name.replace("-Dvmckpt.restore.fusedStored=true", "fused").replace("-Dvmckpt.restore.prefault=true,-Dvmckpt.restore.prefault.firstMiB=384", "prefault384")
    if "mainroot" in m.group(1):
        name = "main"
    ph = m.group(6)
    g = lambda k: float(re.search(k + r" ([\d.]+) ms", ph).group(1)) if re.search(k + r" ([\d.]+) ms", ph) else float("nan")
    r = dict(wall=int(m.group(2)), cpu=int(m.group(3)), gc=int(m.group(4)), load=float(m.group(5)), loading=g(r"pages\.loading"),
             read=g(r" read"), decode=g(r" decode"), copy=g(r" copy"))
    r["MBps"] = size / 1e6 / (r["loading"] / 1e3)
    rows.setdefault(name, []).append(r)
for name, rs in rows.items():
    print(f"{name}:")
    for r in rs:
        print(f"  load {r['load']:.1f}: spawn to restored {r['wall']} ms, CPU {r['cpu']} ms, pauses {r['gc']} ms, loading {r['loading']:.0f} ms = {r['MBps']:.0f} MB/s, read/decode/copy {r['read']:.0f}/{r['decode']:.0f}/{r['copy']:.0f}")
    md = lambda k: statistics.median([r[k] for r in rs])
    print(f"  medians: spawn to restored {md('wall'):.0f}, CPU {md('cpu'):.0f}, pauses {md('gc'):.0f}, loading {md('loading'):.0f} ms ({md('MBps'):.0f} MB/s), copy {md('copy'):.0f} ms")
