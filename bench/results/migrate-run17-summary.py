import json, sys
for path in sys.argv[1:]:
    rows = json.load(open(path))
    for r in rows:
        if "error" in r:
            print(r["system"], r["mode"], r["tls"], "ERROR", r["error"][:100]); continue
        tl = r.get("timeline") or {}
        st = r.get("stall_s"); sw = r.get("switch_gap_s"); ng = r.get("normal_gap_s")
        lg = tl.get("longest_gap", {})
        print(f'{r["system"]:11} {r["mode"]:8} {"TLS" if r["tls"] else "plain":5} rep{r["rep"]} load {r["load"]:5.1f} | gap {st*1e3 if st else -1:6.1f} (-10: {st*1e3-10 if st else -1:6.1f}) '
              f'switch {sw*1e3 if sw else -1:6.1f} before {ng*1e3 if ng else -1:5.1f} | longest {lg.get("from")}..{lg.get("to")} {lg.get("on")} | '
              f'paused {tl.get("paused")} GOrx {tl.get("go_received")} start {tl.get("started")} 1st {tl.get("first_dst_hb")} | down {r["downtime_ms"]:.1f} total {r["total_s"]:.2f} '
              f'cpu {r.get("cpu_src_s") or 0:.2f}+{r.get("cpu_dst_s") or 0:.2f} rounds {r.get("rounds")} step {r.get("heartbeat_step")} | {tl.get("stw_src")} / {tl.get("stw_dst")}')
        if tl.get("stw"): print("      STW:", "; ".join(tl["stw"])[:400])
