import json, sys
def rows(fn):
    out=[]
    for l in open(fn):
        if l.startswith('{'):
            out.append(json.loads(l))
    return out
def lg(r):
    g=(r.get('sched') or {}).get('longest_gap') or {}
    w=[v for k,v in g.items() if 'src run thread' in k]
    return w[0] if w else None
for fn in sys.argv[1:]:
    rs=rows(fn)
    print(f"\n{fn}: {len(rs)} rows")
    print("| mode | TLS | rep | load base / new | longest gap ms, base / new (guest late by, max over gaps > 30 ms) | gaps > 30 ms | normal gap with the load, before | source's run thread over the longest gap: ran / waited for a CPU / off, ms | total s | CPU src+dst s | bytes / ckpt |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    by={}
    for r in rs:
        if 'error' in r: print('ERR', r); continue
        by.setdefault((r['mode'],r['tls'],r['rep']),{})[r['system']]=r
    lower_gap=lower_tot=lower_cpu=n=0
    for k,v in by.items():
        b,a=v.get('vmckpt-base'),v.get('vmckpt')
        if not b or not a: continue
        n+=1
        def late(r):
            x=r.get('late_gaps_ms') or []
            return max([y[1] for y in x], default=0)
        def g30(r): return sum(1 for g in (r.get('gaps_ms') or []) if g>30)
        def sc(r):
            w=lg(r); return f"{w['ran_ms']}/{w['waited_for_cpu_ms']}/{w['off_cpu_ms']}" if w else "-"
        def cpu(r): return (r['cpu_src_s'] or 0)+(r['cpu_dst_s'] or 0)
        sb,sa=b['stall_s']*1e3,a['stall_s']*1e3
        lower_gap+= sa<sb; lower_tot+= a['total_s']<b['total_s']; lower_cpu+= cpu(a)<cpu(b)
        print(f"| {k[0]} | {'yes' if k[1] else 'no'} | {k[2]} | {b['load']:.1f} / {a['load']:.1f} | {sb:.0f} ({late(b):.0f}) / {sa:.0f} ({late(a):.0f}) | {g30(b)} / {g30(a)} | {(b.get('normal_gap_loaded_s') or 0)*1e3:.0f} / {(a.get('normal_gap_loaded_s') or 0)*1e3:.0f} | {sc(b)} ; {sc(a)} | {b['total_s']:.2f} / {a['total_s']:.2f} | {cpu(b):.2f} / {cpu(a):.2f} | {b['bytes']/b['checkpoint_after_bytes']:.3f} / {a['bytes']/a['checkpoint_after_bytes']:.3f} |")
    for k,v in by.items():
        print("session nice", k, {sys_: r.get('session_nice') for sys_, r in v.items()})
    print(f"\npairs {n}: new's longest gap lower in {lower_gap}, total shorter in {lower_tot}, CPU lower in {lower_cpu}")
    firsts=[r for r in rs if 'error' not in r][:2]
    for r in firsts: print(f"first (cold) of the series: {r['system']} {r['mode']} {'TLS' if r['tls'] else 'plain'}: longest gap {r['stall_s']*1e3:.0f} ms, total {r['total_s']:.2f} s, load {r['load']:.1f}")
