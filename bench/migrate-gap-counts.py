#!/usr/bin/env python3
"""How many long heartbeat gaps each migration of a bench/migrate.py run had, not only the longest (a benchmark
helper, not a test): reads the run's migrate.json and its stamped logs (WORK/logs/TAG-{src,dst}.out) and, for every
vmckpt migration, lists the gaps over 15 ms between consecutive heartbeats (the source's, then the destination's) from
the last heartbeat before the migrate command to half a second after its completion, with where each lies: on the
source during the rounds ("src", with ms before the pause), across the switch ("switch"), or on the destination after
it ("dst"). Then, per system, mode and TLS: migrations, gaps over 20 ms and over 30 ms in all, and migrations whose
longest gap is within 30 ms.

    bench/migrate-gap-counts.py RESULTS/migrate.json|OUTPUT.txt WORK
"""
import collections
import json
import os
import re
import sys

HB = re.compile(r"heartbeat (\d+)")


def stamps(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                t, _, text = line.partition(" ")
                if HB.search(text):
                    out.append(float(t))
    except OSError:
        pass
    return out


def main():
    # migrate.json, or migrate.py's printed output (one JSON line per migration: usable while the run goes on)
    text = open(sys.argv[1]).read()
    try:
        results = json.loads(text)
    except ValueError:
        results = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    logs = os.path.join(sys.argv[2], "logs")
    summary = collections.defaultdict(lambda: [0, 0, 0, 0, 0.0])
    for r in results:
        if r.get("system", "").startswith("qemu") or "error" in r or not r.get("timeline"):
            continue
        tag = f"{r['system']}-{r['workload']}-{r['mode']}-{'tls' if r['tls'] else 'plain'}-{r['rep']}"
        src, dst = stamps(os.path.join(logs, tag + "-src.out")), stamps(os.path.join(logs, tag + "-dst.out"))
        if not src or not dst:
            continue
        last_src = src[-1]
        t1 = last_src + r["timeline"]["completed"] / 1e3
        t0 = t1 - r["wall_s"]
        paused = last_src + (r["timeline"].get("paused") or 0) / 1e3
        seq = [t for t in src if t <= t0][-1:] + [t for t in src if t > t0] + [t for t in dst if t <= t1 + 0.5]
        gaps = []
        for a, b in zip(seq, seq[1:]):
            if b - a > 0.015:
                where = "switch" if a == last_src else ("src %.0f ms before the pause" % ((paused - b) * 1e3) if b <= last_src else "dst")
                gaps.append((round((b - a) * 1e3, 1), where))
        longest = max((g for g, _ in gaps), default=0)
        print(f"{tag} load {r['load']:.1f}: " + (", ".join(f"{g} ({w})" for g, w in gaps) or "none over 15 ms"))
        s = summary[(r["system"], r["mode"], "TLS" if r["tls"] else "plain")]
        s[0] += 1
        s[1] += sum(g > 20 for g, _ in gaps)
        s[2] += sum(g > 30 for g, _ in gaps)
        s[3] += longest <= 30
        s[4] += r["wall_s"]
    print("\n| system | mode | TLS | migrations | seconds of migration | gaps > 20 ms (per s) | gaps > 30 ms (per s) | longest <= 30 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for (system, mode, tls), s in sorted(summary.items()):
        print(f"| {system} | {mode} | {tls} | {s[0]} | {s[4]:.1f} | {s[1]} ({s[1] / s[4]:.1f}) | {s[2]} ({s[2] / s[4]:.1f}) | {s[3]} of {s[0]} |")


if __name__ == "__main__":
    main()
