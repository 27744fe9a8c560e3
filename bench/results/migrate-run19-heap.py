"""Run 19: each end's young collections during each migration of a bench/migrate.py --gc-log run: count, pauses,
and how much the heap grew over them (what they promoted, less what they freed; MaxTenuringThreshold=0 promotes
every survivor), plus the GCLocker-initiated ones. Usage: migrate-run19-heap.py RESULTS/migrate.json WORK/logs"""
import json, os, re, sys

res, logs = sys.argv[1], sys.argv[2]
for r in json.load(open(res)):
    if "error" in r:
        continue
    tag = f'{r["system"]}-{r["workload"]}-{r["mode"]}-{"tls" if r["tls"] else "plain"}-{r["rep"]}'
    hb = [float(l.split()[0]) for l in open(os.path.join(logs, tag + "-src.out")) if "memdirty heartbeat" in l]
    t1 = hb[-1]
    t0 = t1 - r["total_s"]
    parts = []
    for end in ("src", "dst"):
        ys = []
        for line in open(os.path.join(logs, f"{tag}-{end}.gc")):
            m = re.match(r"\[(\d+)ns\] GC\(\d+\) Pause Young \((.*?)\) (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms", line)
            if m and t0 <= int(m.group(1)) / 1e9 <= t1 + 0.5:
                ys.append((m.group(2), int(m.group(3)), int(m.group(4)), float(m.group(5))))
        locker = sum(1 for y in ys if y[0].startswith("GCLocker"))
        parts.append(f'{end} {len(ys)} young ({locker} GCLocker), {sum(y[3] for y in ys):.0f} ms (longest {max((y[3] for y in ys), default=0):.0f}), '
                     f'heap +{ys[-1][2] - ys[0][2] if ys else 0} MiB')
    print(f'{r["system"]:11} {"TLS" if r["tls"] else "plain":5} rep{r["rep"]} load {r["load"]:.1f} total {r["total_s"]:.2f} s, '
          f'stall {r["stall_s"] * 1e3:.0f} ms, switch {r["switch_gap_s"] * 1e3:.0f} ms: ' + "; ".join(parts))
