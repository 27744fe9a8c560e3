"""Round 57 (branch mig57alloc): what a migration's source allocated, by thread and by site, from JFR's allocation samples
(settings=profile). For each recording given, the window is its own vmckpt-migrate thread's last run of samples (a
source; a recording without that thread, a destination, is skipped). Weights are JFR's estimates, in MiB.

    python3 round57-mig57alloc-jfr-alloc.py LABEL=FILE.jfr ...
"""
import collections, datetime, json, subprocess, sys


def load(f):
    out = subprocess.run(['jfr', 'print', '--json', '--events', 'jdk.ObjectAllocationSample', f], capture_output=True, text=True).stdout
    return json.loads(out)['recording']['events']


def ts(e):
    return datetime.datetime.fromisoformat(e['values']['startTime'].replace('Z', '+00:00')).timestamp()


def thread(e):
    return (e['values'].get('eventThread') or {}).get('javaName')


for arg in sys.argv[1:]:
    label, f = arg.split('=', 1)
    ev = load(f)
    mig = sorted(ts(e) for e in ev if thread(e) == 'vmckpt-migrate')
    if not mig:
        continue
    t1 = t0 = mig[-1]
    for t in reversed(mig):
        if t0 - t > 1.0:
            break
        t0 = t
    byt, bys = collections.Counter(), collections.Counter()
    for e in ev:
        if not (t0 - 0.05 <= ts(e) <= t1 + 0.05):
            continue
        v = e['values']
        fr = v['stackTrace']['frames'] if v.get('stackTrace') else []
        top = ' < '.join(f"{x['method']['type']['name'].split('/')[-1]}.{x['method']['name']}:{x['lineNumber']}" for x in fr[:3])
        byt[thread(e)] += v['weight']
        bys[(thread(e), v['objectClass']['name'], top)] += v['weight']
    print(f"== {label}: {f}: window {t1 - t0:.2f} s, total {sum(byt.values()) / 2**20:.1f} MiB")
    for k, w in byt.most_common(6):
        print(f"{w / 2**20:8.2f} MiB {k}")
    for k, w in bys.most_common(18):
        print(f"{w / 2**20:8.2f} MiB {k}")
