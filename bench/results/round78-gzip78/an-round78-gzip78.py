#!/usr/bin/env python3
"""Per run of rep.py: gzip's part CPU, the page walks, the gzip part's hot builds (key, size, installed at), and the
C2 compiles of the chain units' builds (size, time, deopts) from the compile log."""
import json, re, sys, os, glob, collections
def an(d, k, keys=('3c83ad1c','3c83acce','3c83ae30','3c83ac32')):
    r = json.load(open(f'{d}/run{k}.json'))
    log = open(f'{d}/run{k}.log', errors='replace').read().splitlines()
    walks = None; s256 = cend = None; builds = {}; tlb = []
    for l in log:
        if 'page walks' in l and 'TLB:' in l:
            walks = int(l.split('TLB: ')[1].split(' page walks')[0].replace(',', ''))
        m = re.search(r'BENCH-MARK sha256-end (\d+)', l)
        if m: s256 = float(l.split()[0])
        if 'BENCH-MARK compute-end' in l: cend = float(l.split()[0])
        m = re.search(r'vmckpt-hot (decided|built|installed).*key (\w+) at ([\d.]+) M: unit \S+ \((\d+) insns, (\d+) bytecode\)(?:, build (\S+) \((\d+) insns, (\d+) bytecode)?', l)
        if m:
            ev, key, at = m.group(1), m.group(2), float(m.group(3))
            b = builds.setdefault(key, {})
            b[ev] = at; b['c1'] = (int(m.group(4)), int(m.group(5)))
            if m.group(6): b['cls'] = m.group(6); b['hot'] = (int(m.group(7)), int(m.group(8)))
        if l.split('| ', 1)[-1].startswith('vmckpt-mmu '): tlb.append((float(l.split()[0]), l.split('| ', 1)[1]))
    gz = r.get('gzip', {})
    out = [f"run{k}: gzip run {gz.get('run')} C2 {gz.get('C2')} wait {gz.get('run-wait')} load {r.get('load0')}; walks {walks:,}" if walks else f"run{k}: gzip {gz.get('run')}"]
    comp = f'{d}/comp{k}.xml'
    cls = {builds[x].get('cls'): x for x in keys if x in builds}
    nms = collections.defaultdict(list)
    if os.path.exists(comp):
        for l in open(comp, errors='replace'):
            if l.startswith('<nmethod') or l.startswith('<make_not_entrant') or l.startswith('<uncommon_trap') or l.startswith('<deoptimized'):
                for c in cls:
                    if c and c in l:
                        a = dict(re.findall(r"(\w+)='([^']*)'", l))
                        tagn = l.split()[0][1:]
                        if tagn == 'nmethod': nms[c].append(f"L{a.get('level')}{' osr' if a.get('compile_kind')=='osr' else ''} {a.get('size')}B @{a.get('stamp')}")
                        else: nms[c].append(f"{tagn} {a.get('reason','')} {a.get('action','')} L{a.get('level','')} @{a.get('stamp')}")
    for x in keys:
        b = builds.get(x)
        if not b: out.append(f"  {x}: no build"); continue
        out.append(f"  {x}: c1 {b['c1']} hot {b.get('hot')} decided {b.get('decided')} inst {b.get('installed')} | " + '; '.join(nms.get(b.get('cls'), [])))
    return '\n'.join(out)

def mmu(d, k, top=4):
    log = open(f'{d}/run{k}.log', errors='replace').read().splitlines()
    s = e = None; last = None; at_s = at_e = None; pairs = collections.Counter(); cs = None
    for l in log:
        t = float(l.split()[0]) if l.strip() else 0
        body = l.split('| ', 1)[-1]
        if 'BENCH-MARK sha256-end' in body: at_s = last
        if 'BENCH-MARK compute-end' in body: at_e = last
        if 'BENCH-MARK compute-start' in body: cs = last
        if body.startswith('vmckpt-mmu '):
            tk = body.split(); w = int(tk[tk.index('walks') + 1]); lm = int(tk[tk.index('load') + 1]); sm = int(tk[tk.index('store') + 1])
            sw = sum(int(x) for x in tk[tk.index('secondway') + 1:tk.index('secondway') + 4]) if 'secondway' in tk else 0
            last = (w, lm, sm, sw)
        if body.startswith('vmckpt-mmu-pair') and at_s is not None and at_e is None:
            tk = body.split(); pairs[(tk[1], tk[2], tk[3])] += int(tk[4])
    if not (at_s and at_e): return f'  mmu: marks missing'
    sha = (at_s[0] - cs[0]) if cs else None
    return (f'  gzip part: walks {at_e[0]-at_s[0]:,} load misses {at_e[1]-at_s[1]:,} store misses {at_e[2]-at_s[2]:,} second-way hits {at_e[3]-at_s[3]:,}; sha part walks {sha:,}\n' +
            '\n'.join(f'    pair {a} {b} {c}: {n:,}' for (a, b, c), n in pairs.most_common(top)))

d = sys.argv[1]
ks = sorted(int(f.split('run')[-1].split('.')[0]) for f in glob.glob(f'{d}/run*.json'))
for k in ks: print(an(d, k)); print(mmu(d, k))
