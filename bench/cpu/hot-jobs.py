#!/usr/bin/env python3
"""How long hot-tier jobs wait for the translator thread, per phase: reads run logs that hold the guest's console and
-Dvmckpt.jit.hotLog=true's lines in one file (a run's stdout and stderr together, as round 61's count script wrote
them) and prints, for the boot (to BENCH-MARK modules-start) and the module phase (to modules-end), every hot-tier
job: the guest instructions from its decision to its hand-back ("built", which the hot log stamps since round 61),
and to its installation; then per phase the count, the mean and the longest. With -Dvmckpt.jit.profile=true the
profile's "hot-tier jobs" line (the whole run: milliseconds queued, later jobs taken before them) is printed too.
Not a test: figures for docs/BENCHMARKS.md (round 61).

  python3 bench/cpu/hot-jobs.py RUN.txt [RUN.txt ...]
"""
import re
import statistics
import sys

DECIDED = re.compile(r'vmckpt-hot decided .*?key (\w+) at ([\d.]+) M')
BUILT = re.compile(r'vmckpt-hot built key (\w+) at ([\d.]+) M')
INSTALLED = re.compile(r'vmckpt-hot installed key (\w+) at ([\d.]+) M')


def main():
    for path in sys.argv[1:]:
        phase, jobs, profile = "boot", {}, ""
        for line in open(path, errors="replace"):
            if "BENCH-MARK modules-start" in line:
                phase = "modules"
            elif "BENCH-MARK modules-end" in line:
                phase = "after"
            if "hot-tier jobs:" in line:
                profile = line.strip()
            m = DECIDED.search(line)
            if m:
                jobs[m.group(1)] = {"phase": phase, "decided": float(m.group(2))}
                continue
            for rx, what in ((BUILT, "built"), (INSTALLED, "installed")):
                m = rx.search(line)
                if m and m.group(1) in jobs and what not in jobs[m.group(1)]:
                    jobs[m.group(1)][what] = float(m.group(2))
        print(f"== {path}")
        for ph in ("boot", "modules"):
            waits = [j["built"] - j["decided"] for j in jobs.values() if j["phase"] == ph and "built" in j]
            inst = [j["installed"] - j["decided"] for j in jobs.values() if j["phase"] == ph and "installed" in j]
            if not waits:
                print(f"  {ph}: no hot-tier job")
                continue
            print(f"  {ph}: {len(waits)} jobs; decided to handed back: mean {statistics.mean(waits):.2f} M, longest {max(waits):.1f} M"
                  f" ({', '.join(f'{w:.1f}' for w in waits)}); decided to installed ({len(inst)}): "
                  + ", ".join(f"{w:.0f}" for w in inst) + " M")
        if profile:
            print("  whole run: " + profile)


if __name__ == "__main__":
    main()
