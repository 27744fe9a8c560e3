import re, sys, glob, collections
def parse(d):
    per = collections.defaultdict(list); jvms = collections.defaultdict(set)
    for f in sorted(glob.glob(d + "/*.log")):
        lines = open(f).read().splitlines()
        pending = []
        for ln in lines:
            m = re.match(r'\[(\d+)ms\] # "([^"]+)" #\d+.*prio=(\d+) os_prio=(-?\d+)', ln)
            if m:
                pending.append((int(m.group(1)), m.group(2), m.group(4)))
                continue
            m = re.match(r'\[(\d+)ms\] Safepoint "(\w+)".*Reaching safepoint: (\d+) ns', ln)
            if m and pending:
                for t, name, nice in pending:
                    per[(re.sub(r'-\d+$', '-N', name), nice)].append((int(m.group(3)) / 1e6, m.group(2), f.split('/')[-1], t))
                    jvms[(re.sub(r'-\d+$', '-N', name), nice)].add(f)
                pending = []
    return per, jvms
for d in sys.argv[1:]:
    per, jvms = parse(d)
    n = len(glob.glob(d + "/*.log"))
    print(f"{d}: {n} JVMs")
    for k, v in sorted(per.items(), key=lambda kv: -len(kv[1])):
        v.sort(reverse=True)
        print(f"  {k[0]} (nice {k[1]}): late at {len(v)} safepoints in {len(jvms[k])} JVMs; worst {', '.join(f'{x[0]:.0f} ms ({x[1]})' for x in v[:5])}")
