#!/usr/bin/env python3
"""Round 67, pause67: what ran inside each live checkpoint's pause, from a probe run (round67-pause67-probe.sh): the
capture trace's lines on stderr (the pause's CLOCK_MONOTONIC start/end, its CPU time, faults, context switches) and
-Xlog:safepoint with timenanos (a line is printed as its safepoint ends: it spans [time - Total, time]).

    round67-pause67-probesum.py RUNDIR [--all]

Each pause over 1 ms (every pause with --all) on a line, with the safepoints that overlap it, and a kind:
  collection - a collector's safepoint (ParallelGC...) overlaps the pause;
  safepoint  - another safepoint overlaps it (the capturing thread stops at it too);
  off-core   - no safepoint, CPU time under 60% of the wall time: the thread waited for a core;
  on-core    - no safepoint, the thread ran most of the pause (its own work, faults, the interpreter).
The first capture is the engine's warm-up's or the first checkpoint's: reported apart."""
import re, statistics, sys
d = sys.argv[1]; every = '--all' in sys.argv
caps = []
for line in open(f'{d}/err.txt', errors='replace'):
    m = re.search(r'capture trace: start (\d+) ns end (\d+) ns pause ([\d.]+) ms cpu ([\d.]+) ms; minflt (-?\d+) majflt (-?\d+) '
                  r'voluntary (-?\d+) involuntary (-?\d+) .*parts ns \[([^\]]*)\]', line)
    if m:
        caps.append(dict(t0=int(m[1]), t1=int(m[2]), pause=float(m[3]), cpu=float(m[4]), minflt=int(m[5]), vol=int(m[7]),
                         invol=int(m[8]), parts=[int(x) / 1e6 for x in m[9].split(',')], gcs=None, alloc=None, threads=''))
        continue
    m = re.search(r'collections in the pause (-?\d+), allocated in it (-?\d+) bytes', line)
    if m and caps: caps[-1]['gcs'] = int(m[1]); caps[-1]['alloc'] = int(m[2]); continue
    m = re.search(r'threads on a CPU around the pause \(ms\): (.*)', line)
    if m and caps: caps[-1]['threads'] = m[1].strip()
sps = []
for line in open(f'{d}/sp.log', errors='replace'):
    m = re.match(r'\[(\d+)ns\] Safepoint "([^"]+)".*Total: (\d+) ns', line)
    if m: sps.append((int(m[1]) - int(m[3]), int(m[1]), m[2]))
def kind(c):
    inside = [s for s in sps if s[0] < c['t1'] and s[1] > c['t0']]
    c['sp'] = inside
    if any('GC' in s[2] for s in inside): return 'collection'
    if inside: return 'safepoint'
    return 'off-core' if c['cpu'] < 0.6 * c['pause'] else 'on-core'
for c in caps: c['kind'] = kind(c)
med = lambda xs: statistics.median(xs) if xs else float('nan')
later = caps[1:]
print(f"{d}: {len(caps)} captures; later: pause median {med([c['pause'] for c in later]):.3f} ms, over 1 ms "
      f"{sum(c['pause'] > 1 for c in later)}; allocated in the pause median "
      f"{med([c['alloc'] for c in later if c['alloc'] is not None]) if any(c['alloc'] is not None for c in later) else 'n/a'} bytes; "
      f"captures with a safepoint inside {sum(bool(c['sp']) for c in later)} (a collection {sum(c['kind'] == 'collection' for c in later)})")
kinds = {}
for c in later:
    if c['pause'] > 1: kinds[c['kind']] = kinds.get(c['kind'], 0) + 1
print('  later pauses over 1 ms by kind:', kinds)
for i, c in enumerate(caps):
    if not (every or c['pause'] > 1 or i == 0): continue
    sp = '; '.join(f"{s[2]} {(s[1] - s[0]) / 1e6:.2f} ms" for s in c['sp'])
    print(f"  #{i}{' (first)' if i == 0 else ''} pause {c['pause']:.3f} cpu {c['cpu']:.3f} ms [{c['kind']}] parts "
          f"{'/'.join(f'{p:.3f}' for p in c['parts'])} minflt {c['minflt']} invol {c['invol']} alloc {c['alloc']} "
          f"gcs {c['gcs']} safepoints: {sp or '-'} | threads: {c['threads'][:150]}")
