"""Round 59 (branch mig59): vmckpt and QEMU side by side under the same controlled load, from bench/migrate.py's
output (one JSON row a migration): per rep, each system's longest heartbeat gap (from the last heartbeat before
`migrate`, and the longest that starts after it), QEMU's downtime, the load. Usage: python3 THIS out.txt"""
import json, sys

rows = [r for r in (json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")) if "error" in r or r.get("stall_s") is not None]
print(f"{len(rows)} rows")
print("| rep | system | mode | load | longest gap (from migrate on) ms | gap across the switch ms | downtime ms | gaps > 30 ms | guest late by, max over gaps > 30 ms | normal gap: quiet / with the load ms | total s |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
by = {}
for r in rows:
    if "error" in r:
        print(f"| {r.get('rep')} | {r['system']} | {r['mode']} | error: {r['error']} |")
        continue
    late = max([x[1] for x in (r.get("late_gaps_ms") or [])], default=0)
    g30 = sum(1 for g in (r.get("gaps_ms") or []) if g > 30)
    sw = r.get("switch_gap_s") or 0
    print(f"| {r['rep']} | {r['system']} | {r['mode']} | {r['load']:.1f} | {r['stall_s'] * 1e3:.0f} ({(r.get('stall_from_migrate_s') or 0) * 1e3:.0f}) | "
          f"{sw * 1e3:.0f} | {r['downtime_ms']:.1f} | {g30} | {late:.0f} | {(r.get('normal_gap_s') or 0) * 1e3:.0f} / "
          f"{(r.get('normal_gap_loaded_s') or 0) * 1e3:.0f} | {r['total_s']:.2f} |")
    by.setdefault((r["system"], r["mode"]), []).append(r)
print()
for (system, mode), rs in by.items():
    gaps = sorted(r["stall_s"] * 1e3 for r in rs)
    after = sorted((r.get("stall_from_migrate_s") or 0) * 1e3 for r in rs)
    down = sorted(r["downtime_ms"] for r in rs)
    med = lambda xs: xs[len(xs) // 2] if len(xs) % 2 else (xs[len(xs) // 2 - 1] + xs[len(xs) // 2]) / 2
    print(f"{system} {mode}: {len(rs)} migrations, longest gap {gaps[0]:.0f}-{gaps[-1]:.0f} ms (median {med(gaps):.0f}), "
          f"from migrate on {after[0]:.0f}-{after[-1]:.0f} (median {med(after):.0f}), downtime {down[0]:.1f}-{down[-1]:.1f} ms "
          f"(median {med(down):.1f}), load {min(r['load'] for r in rs):.1f}-{max(r['load'] for r in rs):.1f}")
firsts = [r for r in rows if "error" not in r][:1]
for r in firsts:
    print(f"first (cold) of the series: {r['system']} {r['mode']}: longest gap {r['stall_s'] * 1e3:.0f} ms, downtime {r['downtime_ms']:.1f} ms, "
          f"total {r['total_s']:.2f} s, load {r['load']:.1f}")
