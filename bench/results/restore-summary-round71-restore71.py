#!/usr/bin/env python3
"""restore71's slot summary (restore70's, plus the time before the restore: spawn to restored less the restore in process): for each bench/restore.py JSON given, per workload, the checkpoints (first live checkpoint on
its own line), each eager restore by rep and jar (rep 0 = the first restore of its checkpoint), QEMU's restores with
their CPU, and the counts the section reports."""
import json, statistics, sys

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None

for path in sys.argv[1:]:
    d = json.load(open(path))
    print(f"== {path}\n   {d['command']}\n   new java opts: {d.get('java_opts')!r}; base java opts: {d.get('base_java_opts')!r}")
    for wl, e in d["workloads"].items():
        print(f" -- {wl}")
        for jar, cks in (e.get("checkpoints_by_jar") or {"new": e["checkpoints"]}).items():
            f, later = cks[0], cks[1:]
            print(f"   {jar:4s} first live checkpoint: after {f.get('heartbeats_before')} heartbeats, pause {f['downtime_ms']:.2f} ms, "
                  f"stall {f['stall_ms'] if f['stall_ms'] is None else round(f['stall_ms'], 1)} ms, size {f['size'] / 1e6:.1f} MB, total {f['total_ms']:.0f} ms, load {f['load']:.1f}")
            for c in later:
                print(f"   {jar:4s} later live checkpoint: pause {c['downtime_ms']:.2f} ms, stall {round(c['stall_ms'], 1) if c['stall_ms'] is not None else None} ms, "
                      f"size {c['size'] / 1e6:.1f} MB, total {c['total_ms']:.0f} ms")
        q = e.get("qemu") or []
        for jar, rs in e["restores"].items():
            for r in rs:
                if r["lazy"]:
                    continue
                qq = [x for x in q if x.get("rep") == r["rep"]]
                qms = qq[0]["running_s"] * 1e3 if qq and qq[0].get("running_s") else None
                print(f"   {jar:4s} eager rep {r['rep']}: loading {r.get('pages_loading_ms')} ms = {r.get('data_MBps', 0):.0f} MB/s of {r.get('checkpoint_size', 0) / 1e6:.1f} MB; "
                      f"read/decode/copy CPU {r.get('pages_read_ms', 0):.0f}/{r.get('pages_decode_ms', 0):.0f}/{r.get('pages_copy_ms', 0):.0f} ms; "
                      f"spawn to restored {r.get('wall_ms', 0):.0f} ms, before the restore {r.get('wall_ms', 0) - r.get('load_ms', 0):.0f} ms (QEMU rep {r['rep']}: {qms and round(qms)} ms) continued={r.get('continued')} load {r['load']:.1f}")
        for x in q:
            cpu = x.get("cpu_user_sys_at_running")
            print(f"   qemu rep {x.get('rep')}: spawn to running {x['running_s'] * 1e3 if x.get('running_s') else None:.0f} ms, CPU user+sys at running "
                  f"{sum(cpu) * 1e3 if cpu else float('nan'):.0f} ms, resident {x.get('resident_mib_at_running')} MiB, stream {x['size'] / 2**20:.0f} MiB")
        rs = e["restores"]
        if "base" in rs:
            pairs = [(a, b) for a in rs["new"] for b in rs["base"] if not a["lazy"] and not b["lazy"] and a["rep"] == b["rep"]]
            lower = sum(1 for a, b in pairs if a.get("wall_ms") and b.get("wall_ms") and a["wall_ms"] < b["wall_ms"])
            print(f"   new lower than base (spawn to restored) in {lower} of {len(pairs)} reps; medians new {med([a.get('wall_ms') for a, _ in pairs])}, "
                  f"base {med([b.get('wall_ms') for _, b in pairs])} ms; loading medians {med([a.get('pages_loading_ms') for a, _ in pairs])} / "
                  f"{med([b.get('pages_loading_ms') for _, b in pairs])} ms")
            before = [(a["wall_ms"] - a["load_ms"], b["wall_ms"] - b["load_ms"]) for a, b in pairs if a.get("load_ms") and b.get("load_ms")]
            print(f"   before the restore (spawn to restored less in process): new lower in {sum(1 for x, y in before if x < y)} of {len(before)}; "
                  f"medians new {med([x for x, _ in before])}, base {med([y for _, y in before])} ms; "
                  f"in process: new lower in {sum(1 for a, b in pairs if a.get('load_ms') and b.get('load_ms') and a['load_ms'] < b['load_ms'])} of {len(pairs)}")
        for jar in rs:
            eager = [r for r in rs[jar] if not r["lazy"]]
            faster = sum(1 for r in eager for x in q if x.get("rep") == r["rep"] and x.get("running_s") and r.get("wall_ms") and r["wall_ms"] < x["running_s"] * 1e3)
            gb = sum(1 for r in eager if (r.get("data_MBps") or 0) >= 1000)
            print(f"   {jar}: faster than QEMU in its rep {faster} of {len(eager)}; >= 1 GB/s of checkpoint data in {gb} of {len(eager)}")
