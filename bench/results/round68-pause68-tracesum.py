#!/usr/bin/env python3
"""Round 68, pause68: the capture trace (-Dvmckpt.capture.trace=true) of one run, summarised: every capture's pause,
CPU, involuntary switches, run-queue wait; the later ones (after the engine's 4 warm-ups and the first checkpoint) over
1 ms listed with this process's threads that were on a CPU around the pause (the trace reads them just before and just
after the timed window, so a few ms around it), and which threads were there most often around the long ones.

    round68-pause68-tracesum.py ERR.TXT [MS]"""
import re, statistics, sys, collections
lim = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
caps = []
cur = None
for line in open(sys.argv[1], errors='replace'):
    m = re.search(r'capture trace: start (\d+) ns end (\d+) ns pause ([\d.]+) ms cpu ([\d.]+) ms; minflt (-?\d+) majflt (-?\d+) '
                  r'voluntary (-?\d+) involuntary (-?\d+) run-queue wait (-?[\d.]+) ms', line)
    if m:
        cur = dict(start=int(m[1]), pause=float(m[3]), cpu=float(m[4]), minflt=int(m[5]), vol=int(m[7]), invol=int(m[8]),
                   rq=float(m[9]), threads='', gcs=-1)
        caps.append(cur)
        continue
    m = re.search(r'collections in the pause (\d+)', line)
    if m and cur: cur['gcs'] = int(m[1])
    m = re.search(r'threads on a CPU around the pause \(ms\): (.*)', line)
    if m and cur: cur['threads'] = m[1].strip()
later = caps[5:]
print(f'captures {len(caps)} (4 warm-ups, first checkpoint, {len(later)} later)')
if len(caps) > 4:
    c = caps[4]
    print(f"first checkpoint: pause {c['pause']:.3f} cpu {c['cpu']:.3f} invol {c['invol']} rq {c['rq']:.3f}")
ps = [c['pause'] for c in later]
if ps:
    ps.sort()
    print(f'later: pause median {statistics.median(ps):.3f} p90 {ps[int(len(ps) * 0.9)]:.3f} max {ps[-1]:.3f} ms; '
          f'over {lim} ms: {sum(p > lim for p in ps)}')
    print(f"later: cpu median {statistics.median(c['cpu'] for c in later):.3f} ms; involuntary switches in the pause: "
          f"{sum(c['invol'] > 0 for c in later)} of {len(later)} had any")
count = collections.Counter()
for c in later:
    if c['pause'] > lim:
        kind = 'collection' if c['gcs'] > 0 else ('off-core' if c['cpu'] < 0.6 * c['pause'] else 'on-core')
        print(f"  pause {c['pause']:.3f} cpu {c['cpu']:.3f} invol {c['invol']} vol {c['vol']} rq {c['rq']:.3f} minflt {c['minflt']} "
              f"gcs {c['gcs']} {kind}: {c['threads']}")
        for t in c['threads'].split(', '):
            name = t.rsplit(' ', 1)[0]
            if name: count[name] += 1
print('threads around the long pauses (how many of them):', ', '.join(f'{k} {v}' for k, v in count.most_common()))
