#!/usr/bin/env python3
"""Rounds of bench/restore-cpu-ab.py's output, variant against variant (a benchmark helper, not a test). Each FILE is one
call of restore-cpu-ab.py (one workload); its variants are its distinct "JAR@OPTIONS" names, shown as "main" (a jar under
"mainroot"), "on" (any option containing "=true") or "off" (this jar without options). Per pair of variants: in how many
rounds the first was lower (wall spawn to restored, process CPU, collector pauses, the restore's start from the JVM's;
"on" against the others, "off" against "main"), medians, and the first restore of
each file on its own line (the series' cold one).

    bench/restore-cpu-ab-rounds.py FILE [FILE...]
"""
import re, statistics as st, sys, itertools, collections

def name(v):
    if "mainroot" in v: return "main"
    return "on" if "=true" in v else "off"

rounds = collections.defaultdict(list)  # workload -> [ {variant: row} ]
firsts = []
for path in sys.argv[1:]:
    rows = []
    for line in open(path):
        m = re.match(r"(\S+): wall\s+(\d+) ms cpu\s+(\d+) ms gc\s+(\d+) ms load ([\d.]+) \| (.*)", line)
        if not m: continue
        ph = dict((k, float(x)) for k, x in re.findall(r"([\w.-]+) ([\d.]+) ms", m.group(6)))
        rows.append(dict(v=name(m.group(1)), wall=int(m.group(2)), cpu=int(m.group(3)), gc=int(m.group(4)), load=float(m.group(5)),
                         copy=ph.get("copy"), win=ph.get("pages.oldgen.window"), gcsys=ph.get("gc.sys"),
                         cmd=ph.get("axis.command"), start=ph.get("axis.restore"), restored=ph.get("axis.restored")))
    if not rows: continue
    wl = "memdirty" if "memdirty" in path else "memrandom"
    k = len(dict.fromkeys(r["v"] for r in rows))
    firsts.append(f"{path.split('/')[-1]}: first restore {rows[0]['v']} wall {rows[0]['wall']} ms, cpu {rows[0]['cpu']} ms, gc {rows[0]['gc']} ms (load {rows[0]['load']})")
    for i in range(0, len(rows) - k + 1, k):
        rounds[wl].append({r["v"]: r for r in rows[i:i + k]})
for wl, rs in rounds.items():
    loads = [r["load"] for rd in rs for r in rd.values()]
    print(f"{wl}: {len(rs)} rounds, load {min(loads):.1f}-{max(loads):.1f}")
    vs = sorted({v for rd in rs for v in rd})
    for v in vs:
        xs = [rd[v] for rd in rs if v in rd]
        def md(key): 
            ys = [x[key] for x in xs if x.get(key) is not None]
            return f"{st.median(ys):.0f}" if ys else "-"
        print(f"  {v:5s} n={len(xs):2d} medians: wall {md('wall')} cpu {md('cpu')} gc {md('gc')} gc.sys {md('gcsys')} copy {md('copy')} window {md('win')}"
              f" | from the JVM's start: command {md('cmd')} restore {md('start')} restored {md('restored')}")
    for a, b in itertools.permutations(vs, 2):
        if not (a == "on" or (a == "off" and b == "main")): continue
        ps = [(rd[a], rd[b]) for rd in rs if a in rd and b in rd]
        lw = sum(x["wall"] < y["wall"] for x, y in ps); lc = sum(x["cpu"] < y["cpu"] for x, y in ps); lg = sum(x["gc"] < y["gc"] for x, y in ps)
        ls = sum(x["start"] is not None and y["start"] is not None and x["start"] < y["start"] for x, y in ps)
        print(f"  {a} lower than {b}: wall {lw} of {len(ps)}, cpu {lc} of {len(ps)}, gc {lg} of {len(ps)}, restore's start {ls} of {len(ps)}")
for f in firsts: print(f)
