#!/usr/bin/env python3
"""Repeat the default guest to compute-end, keeping every run's stamped log (hot log, --stats) and HotSpot's compile log."""
import json, os, sys, time
sys.path.insert(0, '/work/wt-gzip78/bench/cpu')
import threads
launcher, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
extra = sys.argv[4] if len(sys.argv) > 4 else ''
out = '/tmp/gzip78/' + tag
os.makedirs(out, exist_ok=True)
for i in range(1, n + 1):
    k = 1
    while os.path.exists(f'{out}/run{k}.log'): k += 1
    opts = (f'-Dvmckpt.jit.hotLog=true -XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation '
            f'-XX:LogFile={out}/comp{k}.xml {extra}').strip()
    t = time.time()
    load = open('/proc/loadavg').read().split()[0]
    r = threads.run_once(launcher, opts, 'default', 'BENCH-MARK fork-start', f'g78-{tag}-{k}', logpath=f'{out}/run{k}.log')
    s, c, e = r.get('cstart_cpu'), r.get('s256_cpu'), r.get('cend_cpu')
    gz = {x: round(e[x] - c[x], 2) for x in e} if c and e else {}
    sh = {x: round(c[x] - s[x], 2) for x in c} if c and s else {}
    r['gzip'] = gz; r['sha'] = sh; r['load0'] = load
    json.dump(r, open(f'{out}/run{k}.json', 'w'))
    print(f'{tag} run{k} {time.strftime("%H:%M:%S")} load {load} exit {r["exit"]} wall {time.time()-t:.0f} '
          f'sha run {sh.get("run")} gzip run {gz.get("run")} C2 {gz.get("C2")} C1 {gz.get("C1")} wait {gz.get("run-wait")}', flush=True)
