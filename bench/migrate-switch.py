#!/usr/bin/env python3
"""Post-copy's switch-over taken apart, from a bench/migrate.py results file (a benchmark tool, not a test).

    bench/migrate-switch.py RESULTS/migrate.json [more.json ...]

For each migration with a timeline (memdirty, post-copy or pre-copy), one row on one time axis: milliseconds from the
source's last heartbeat. The source's stamps come from query-migrate's vmckpt-stop (the pause on the monotonic clock,
then its parts: the freeze, the pages' bitmap, the disks, STATE written; the wait for READY; GO sent); the
destination's from its log ("GO received N, guest started N" on the same clock, and its "switch-over here" steps,
counted back from GO: STATE received, digest check (protocol 12: the packed STATE unpacked first), records loaded,
post-copy set-up with the pages taken after STATE, READY's send begun; its send call can return after GO has
arrived, so READY is placed where the call began); then the destination's first heartbeat. Only stamps
both builds print are used, so an A/B row of an older build is read the same way.
"""
import json
import re
import sys

STEPS = re.compile(r"digest check ([\d.]+) ms, records ([\d.]+) ms, post-copy set-up ([\d.]+) ms, READY sent ([\d.]+) ms, "
                   r"GO after ([\d.]+) ms, ready to run ([\d.]+) ms; (\d+) pages taken after STATE")


def row(r):
    tl, st, ds = r.get("timeline") or {}, r.get("stop") or {}, r.get("dest_switch") or ""
    m = STEPS.search(ds)
    if "paused" not in tl or "go_received" not in tl or not m or "freeze-ns" not in st:
        return None
    check, records, setup, ready_sent, go_after, _, taken = (float(x) for x in m.groups())
    ms = lambda ns: ns / 1e6
    paused = tl["paused"]
    state_sent = paused + ms(st["send-ns"]) + ms(st["state-ns"])
    ready_at_src = state_sent + ms(st["ready-ns"])
    go_recv = tl["go_received"]
    ready_at_dst = go_recv - go_after
    loaded = ready_at_dst - ready_sent
    recs = loaded - setup
    checked = recs - records
    state_recv = checked - check
    return {
        "paused": paused, "freeze": ms(st["freeze-ns"]), "bitmap": ms(st["pages-ns"]), "disks": ms(st["disks-ns"]),
        "state": ms(st["state-ns"]), "state_sent": state_sent, "state_recv": state_recv, "check": check, "records": records,
        "setup": setup, "taken": int(taken), "push": ms(st.get("push-ns", 0)), "ready_dst": loaded, "ready_send": ready_sent, "ready_src": ready_at_src,
        "go_sent": tl["go_sent"], "go_recv": go_recv, "started": tl["started"], "first_hb": tl["first_dst_hb"],
        "longest": (tl.get("longest_gap") or {}).get("ms"), "where": (tl.get("longest_gap") or {}).get("on"),
        "stw": tl.get("stw"),
        "alloc": st.get("allocated-bytes"), "alloc_dst": (re.search(r"(\d+) bytes allocated, (\d+) collections", ds) or [None, None, None]),
        "colls": st.get("collections"),
    }


def main():
    rows = []
    for path in sys.argv[1:]:
        with open(path) as f:
            rows += json.load(f)
    print("| system | TLS | rep | load | longest gap (on) | pause at | freeze / bitmap / STATE written ms | STATE sent -> received | "
          "dest: check / records / set-up (pages) ms | READY sending -> received (send call ms) | GO sent -> received | GO -> start | start -> first hb | "
          "switch (first hb) | STW in gap or switch |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    counts = []
    for r in rows:
        if "error" in r:
            print(f"| {r['system']} | {r['tls']} | {r['rep']} | error: {r['error']} |")
            continue
        x = row(r)
        if not x:
            continue
        f1 = lambda v: f"{v:.1f}"
        print(f"| {r['system']} | {'yes' if r['tls'] else 'no'} | {r['rep']} | {r['load']:.1f} | {x['longest']} ({x['where']}) | {f1(x['paused'])} | "
              f"{f1(x['freeze'])} / {f1(x['bitmap'])} / {f1(x['state'])} | {f1(x['state_sent'])} -> {f1(x['state_recv'])} | "
              f"{f1(x['check'])} / {f1(x['records'])} / {f1(x['setup'])} ({x['taken']}) | {f1(x['ready_dst'])} -> {f1(x['ready_src'])} ({f1(x['ready_send'])}) | "
              f"{f1(x['go_sent'])} -> {f1(x['go_recv'])} | {f1(x['started'] - x['go_recv'])} | {f1(x['first_hb'] - x['started'])} | "
              f"{f1(x['first_hb'])} | {', '.join(x['stw'] or []) or 'none'} |")
        counts.append((r, x))
    print("\nCounts: the source's copy-on-write copies during the migration and how many came from spares (builds from"
          " migrate18 on), the source's young collections during it and what each promoted (--gc-log), and what the"
          " switch-over allocated on each end (migrate18 on):\n")
    print("| system | TLS | rep | total s | copies / from spares / new arrays | source collections during the migration (MiB promoted each) | "
          "switch-over allocated: source / destination KiB; collections in it |")
    print("|---|---|---|---|---|---|---|")
    for r, x in counts:
        a = r.get("bytes_account") or {}
        cow = (f"{a['cow-copies']} / {a['cow-spares-taken']} / {a['cow-copies'] - a['cow-spares-taken']}"
               if "cow-copies" in a else "-")
        colls = (r.get("timeline") or {}).get("collections_src") or []
        promoted = [c.split("+")[-1].replace(" MiB", "") for c in colls]
        ad = x["alloc_dst"]
        alloc = (f"{x['alloc'] / 1024:.0f} / {int(ad[1]) / 1024:.0f}; {x['colls']} / {ad[2]}" if x["alloc"] is not None and ad[1] else "-")
        print(f"| {r['system']} | {'yes' if r['tls'] else 'no'} | {r['rep']} | {r['total_s']:.2f} | {cow} | {len(colls)} ({', '.join(promoted)}) | {alloc} |")


if __name__ == "__main__":
    main()
