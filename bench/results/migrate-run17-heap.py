import json, re, sys, os
res, logs = sys.argv[1], sys.argv[2]
for r in json.load(open(res)):
    if "error" in r: continue
    tag = f'{r["system"]}-{r["workload"]}-{r["mode"]}-{"tls" if r["tls"] else "plain"}-{r["rep"]}'
    hb = [float(l.split()[0]) for l in open(os.path.join(logs, tag + "-src.out")) if "memdirty heartbeat" in l]
    t1 = hb[-1]; t0 = t1 - r["total_s"]
    ys = []
    for line in open(os.path.join(logs, tag + "-src.gc")):
        m = re.match(r"\[(\d+)ns\] GC\(\d+\) Pause Young .*? (\d+)M->(\d+)M\(\d+M\) ([\d.]+)ms", line)
        if m and t0 <= int(m.group(1)) / 1e9 <= t1:
            ys.append((int(m.group(2)), int(m.group(3)), float(m.group(4))))
    grow = ys[-1][1] - ys[0][1] if ys else 0
    print(f'{r["system"]:11} {"TLS" if r["tls"] else "plain":5} rep{r["rep"]} load {r["load"]:.1f} total {r["total_s"]:.1f} s: source young collections {len(ys)}, '
          f'pauses {sum(y[2] for y in ys):.0f} ms (longest {max((y[2] for y in ys), default=0):.0f}), heap after them grew {grow} MiB')
