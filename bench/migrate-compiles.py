#!/usr/bin/env python3
"""What a JVM's JIT compiled during a migration (a benchmark helper, not a test): reads one process's
-XX:+LogCompilation file (-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation -XX:LogFile=F, e.g. through
bench/migrate-threads.py --src-opts=...) and prints, for the window [FROM, FROM + SECONDS] of JVM uptime stamps, the
C2 compiles by wall time (start to done, a loaded host's waits included), C1's in all, and the uncommon traps that threw
compiled code away (with the unloaded class, where one is named). Without --from, the window starts 0.5 s before the
last compile task of MigrationSource.nonZeroPages (round 0's first loop: on a source it is compiled only then).

    bench/migrate-compiles.py LOGFILE [--from S] [--seconds 12]
"""
import argparse
import re


def tasks(text):
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith("<task "):
            cur = (re.search(r"method='([^']+)'", line).group(1), float(re.search(r"stamp='([\d.]+)'", line).group(1)),
                   (re.search(r"level='(\d)'", line) or re.search(r"()", line)).group(1) or "4", "osr_bci" in line)
        elif line.startswith("<task_done") and cur:
            out.append((cur[1], float(re.search(r"stamp='([\d.]+)'", line).group(1)) - cur[1], cur[2], cur[0], cur[3]))
            cur = None
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("logfile")
    ap.add_argument("--from", dest="start", type=float, default=None)
    ap.add_argument("--seconds", type=float, default=12)
    a = ap.parse_args()
    text = open(a.logfile, errors="replace").read()
    ts = tasks(text)
    start = a.start
    if start is None:
        marks = [t[0] for t in ts if "MigrationSource nonZeroPages" in t[3]]
        start = max(marks) - 0.5 if marks else 0.0
    end = start + a.seconds
    inside = [t for t in ts if start <= t[0] <= end]
    c2 = [t for t in inside if t[2] == "4"]
    print(f"window {start:.2f}..{end:.2f} s: {len(c2)} C2 compiles, {sum(t[1] for t in c2):.3f} s from start to done; "
          f"{len(inside) - len(c2)} C1 compiles, {sum(t[1] for t in inside if t[2] != '4'):.3f} s")
    for t in sorted(c2, key=lambda t: -t[1])[:15]:
        print(f"  {t[0]:8.2f} {t[1]:6.3f} s  {'OSR ' if t[4] else ''}{t[3][:120]}")
    ids = {m.group(1): m.group(2) for m in re.finditer(r"<task_queued compile_id='(\d+)'[^>]*?method='([^']+)'", text)}
    for m in re.finditer(r"<uncommon_trap thread='\d+' reason='([^']+)' action='([^']+)'[^>]*?compile_id='(\d+)'([^>]*?)stamp='([\d.]+)'", text):
        if start - 15 <= float(m.group(5)) <= end and m.group(2) != "none":
            cls = re.search(r"name='([^']+)'", m.group(4))
            print(f"  trap {m.group(5)} {m.group(1)} {m.group(2)} in {ids.get(m.group(3), '?')[:90]}" + (f" ({cls.group(1)})" if cls else ""))


if __name__ == "__main__":
    main()
