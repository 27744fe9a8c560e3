#!/usr/bin/env python3
"""Why hot-tier builds wait, with HotSpot's own queue: reads one stamped run log (lines "SECONDS TAG | text", as
bench/cpu/threads.py's logs; the guest's marks and -Dvmckpt.jit.hotLog=true's lines) and the same run's HotSpot log
(-XX:+PrintCompilation -XX:+PrintTieredEvents -XX:+LogVMOutput -XX:LogFile=VMLOG, with the launcher's
-XX:-DisplayVMOutput, so that HotSpot's lines do not interleave with ours; its times are the JVM's uptime, taken as the
stamps' time since the spawn) and, for the window between two guest marks, prints:
C1's and C2's queue lengths as HotSpot's tiered events report them (queues=C1,C2) and the threshold scale k (C1, C2);
the compiles queued at each level, by kind of method (hot-tier build, C1 unit, the VMM's, the JDK's); then for every
hot-tier build decided before the window's end: when it was decided, built, queued for tier 3, had tier-3 code,
installed (looks), queued for C2 and had C2 code, and its tier-3 invocation count at its last event. The JVM's
lines interleave on the error stream, so a few events are lost; counts are lower bounds.
Not a test: figures for docs/BENCHMARKS.md (round 46).

  python3 bench/cpu/hot-queue.py LOG VMLOG "BENCH-MARK modules-start" "BENCH-MARK modules-end"
"""
import collections
import re
import statistics
import sys

LINE = re.compile(r'\s*([\d.]+) (\w+)[^|]*\| (.*)')
TIERED = re.compile(r'(\d+\.\d+): \[(call|loop|compile|remove-from-queue|update-in-queue|reprofile|make-not-entrant)\s+level=(\d) \[([^\]]*)\]\s*@(-?\d+) queues=(\d+),(\d+)(?: rate=\S+)?(?: k=([\d.]+),([\d.]+))?(?: total=(\d+),(\d+))?')
HOTCLS = re.compile(r'HotUnit/(0x[0-9a-f]+)')
DECIDED = re.compile(r'vmckpt-hot decided .*?key (\w+) at ([\d.]+) M')
BUILT = re.compile(r'vmckpt-hot built key (\w+) .*?build \S+HotUnit/(0x[0-9a-f]+)')
INSTALLED = re.compile(r'vmckpt-hot installed key (\w+) .*?tier (-?\d+), (\d+) looks')
PRINTCOMP = re.compile(r'^\s*\d+\s+\d+\s+[%sbn! ]*\s(\d)\s+\S*HotUnit/(0x[0-9a-f]+)::run')


def kind(method):
    if "HotUnit/" in method:
        return "hot-tier build"
    if "UnitBg/" in method or ".Unit/" in method:
        return "C1 unit"
    if method.startswith("org.vmckpt"):
        return "vmckpt"
    return "JDK/other"


def main():
    path, vmlog, start, end = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    t_start = t_end = None
    events = []  # (stamp, text)
    for raw in open(path, errors="replace"):
        m = LINE.match(raw)
        if not m:
            continue
        t, text = float(m.group(1)), m.group(3)
        if start in text and t_start is None:
            t_start = t
        if end in text and t_end is None:
            t_end = t
        events.append((t, text))
    for raw in open(vmlog, errors="replace"):
        pm = re.match(r'\s*(\d+)\s', raw)  # PrintCompilation's milliseconds
        tm = TIERED.search(raw)
        events.append((float(tm.group(1)) if tm else int(pm.group(1)) / 1000.0 if pm else -1.0, raw.rstrip("\n")))
    events.sort(key=lambda e: e[0])
    if t_start is None or t_end is None:
        sys.exit("marks not found")
    print(f"{path}: window {start} at {t_start:.2f} s .. {end} at {t_end:.2f} s ({t_end - t_start:.2f} s)")
    q1, q2, k1, k2 = [], [], [], []
    queued = collections.Counter()
    builds = collections.OrderedDict()
    by_cls = {}
    for t, text in events:
        for tm in TIERED.finditer(text):
            jt = float(tm.group(1))
            what, level, method = tm.group(2), int(tm.group(3)), tm.group(4)
            inwin = t_start <= jt <= t_end + 0.05  # the event's own JVM time (the stamp is its arrival)
            if inwin:
                q1.append(int(tm.group(6)))
                q2.append(int(tm.group(7)))
                if tm.group(8):
                    k1.append(float(tm.group(8)))
                    k2.append(float(tm.group(9)))
                if what == "compile":
                    queued[(level, kind(method))] += 1
            h = HOTCLS.search(method)
            if h:
                b = by_cls.setdefault(h.group(1), {})
                if what == "compile":
                    b.setdefault(f"queued{level}", jt)
                if tm.group(10) and level == 3:
                    b["t3calls"] = int(tm.group(10))
        d = DECIDED.search(text)
        if d:
            builds.setdefault(d.group(1), {})["decided"] = (t, float(d.group(2)))
        b = BUILT.search(text)
        if b:
            builds.setdefault(b.group(1), {})["built"] = t
            builds[b.group(1)]["cls"] = b.group(2)
        i = INSTALLED.search(text)
        if i and i.group(1) in builds:
            builds[i.group(1)]["installed"] = (t, int(i.group(2)), int(i.group(3)))
        pc = PRINTCOMP.search(text)
        if pc and "made not entrant" not in text:
            by_cls.setdefault(pc.group(2), {}).setdefault(f"code{pc.group(1)}", t)
    for b in builds.values():  # a build's class events (its warm-up's come before the "built" line)
        b.update(by_cls.get(b.get("cls"), {}))

    def dist(xs):
        if not xs:
            return "none"
        xs = sorted(xs)
        return f"median {statistics.median(xs):g}, p90 {xs[int(0.9 * (len(xs) - 1))]:g}, max {xs[-1]:g} ({len(xs)} events)"
    print(f"  C1 queue: {dist(q1)}")
    print(f"  C2 queue: {dist(q2)}")
    print(f"  threshold scale k: C1 {dist(k1)}; C2 {dist(k2)}")
    for level in (1, 2, 3, 4):
        row = {k: n for (lv, k), n in queued.items() if lv == level}
        if row:
            print(f"  compiles queued at level {level} in the window: " + ", ".join(f"{k} {n}" for k, n in sorted(row.items())))
    print("  hot-tier builds (seconds after the window's start; '-' none):")
    print("    key      decided (instret M)  built  queued3  code3  installed(tier,looks)  queued4  code4  t3 calls")
    counts = collections.Counter()

    def rel(x):
        return "-" if x is None else f"{x - t_start:+.2f}"
    for key, b in builds.items():
        if "decided" not in b or b["decided"][0] > t_end:
            continue
        inst = b.get("installed")
        print(f"    {key:>8} {rel(b['decided'][0]):>7} ({b['decided'][1]:7.1f})  {rel(b.get('built')):>6}  {rel(b.get('queued3')):>7}"
              f"  {rel(b.get('code3')):>6}  {rel(inst[0]) + f'({inst[1]},{inst[2]})' if inst else '-':>16}  {rel(b.get('queued4')):>7}"
              f"  {rel(b.get('code4')):>6}  {b.get('t3calls', '-')}")
        part = "before" if b["decided"][0] < t_start else "in"
        if inst and inst[0] <= t_end:
            state = "installed"
        elif b.get("code3") is not None and b["code3"] <= t_end:
            state = "waiting with tier-3 code"
        else:
            state = "waiting without code"
        counts[(part, state)] += 1
    for (part, state), n in sorted(counts.items()):
        print(f"  decided {part} the window: {state}: {n}")


if __name__ == "__main__":
    main()
