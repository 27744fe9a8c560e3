"""Round 57 (branch mig57alloc): bench/migrate.py's JSON (--gc-log, --base-jar) as one row per migration and the pairs
(vmckpt-base then vmckpt, same mode/TLS/rep): each end's young collections during the migration, their pause and what
they promoted (the heap's growth after each), the longest gap and how late the guest came back over it, total, CPU.

    python3 round57-mig57alloc-pairs.py migrate.json [label-of-base label-of-new]
"""
import json, re, sys

rows = json.load(open(sys.argv[1]))
names = {"vmckpt-base": sys.argv[2] if len(sys.argv) > 2 else "base", "vmckpt": sys.argv[3] if len(sys.argv) > 3 else "new"}


def coll(r, who):
    c = (r.get("timeline") or {}).get(f"collections_{who}") or []
    n, ms, mib = 0, 0.0, 0
    for s in c:
        m = re.match(r"\s*(-?[\d.]+): (\S+) ([\d.]+) ms, \+(-?\d+|None) MiB", s)
        if m:
            n += 1
            ms += float(m.group(3))
            mib += int(m.group(4)) if m.group(4) != "None" else 0
    return n, ms, mib


def summary(r):
    if "error" in r:
        return None
    tl = r.get("timeline") or {}
    g = tl.get("longest_gap", {}).get("ms")
    late = max((x[1] for x in r.get("late_gaps_ms") or [] if x[0] == g), default=None)
    return {"src": coll(r, "src"), "dst": coll(r, "dst"), "gap": g, "late": late, "total": r["total_s"],
            "cpu": (r["cpu_src_s"], r["cpu_dst_s"]), "ratio": r["bytes"] / r["checkpoint_after_bytes"] if r.get("checkpoint_after_bytes") else None,
            "load": r["load"], "stall": r.get("stall_s")}


print("| system | mode | TLS | rep | load | src collections: n, pause ms, promoted MiB | dst collections: n, pause ms | longest gap ms (guest late by) | total s | CPU src+dst s | bytes / ckpt |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    s = summary(r)
    if s is None:
        print(f"| {r['system']} | {r['mode']} | {r['tls']} | {r['rep']} | error: {r['error']} |")
        continue
    late = f" ({s['late']:.1f})" if s["late"] is not None else " (-)"
    print(f"| {names.get(r['system'], r['system'])} | {r['mode']} | {'yes' if r['tls'] else 'no'} | {r['rep']} | {s['load']:.1f} | "
          f"{s['src'][0]}, {s['src'][1]:.0f}, {s['src'][2]} | {s['dst'][0]}, {s['dst'][1]:.0f} | {s['gap']}{late} | {s['total']:.2f} | "
          f"{s['cpu'][0]:.2f}+{s['cpu'][1]:.2f} | {s['ratio']:.4f} |")

pairs = []
for i, r in enumerate(rows):
    if r.get("system") != "vmckpt":
        continue
    b = next((x for x in reversed(rows[:i]) if x.get("system") == "vmckpt-base" and x["mode"] == r["mode"] and x["tls"] == r["tls"] and x["rep"] == r["rep"]), None)
    if b and summary(b) and summary(r):
        pairs.append((summary(b), summary(r)))
if pairs:
    n = len(pairs)
    def lower(f):
        return sum(1 for b, x in pairs if f(x) < f(b))
    print(f"\n{n} pairs: with {names['vmckpt']} lower than {names['vmckpt-base']}:")
    print(f"  source's collections: {lower(lambda s: s['src'][0])} of {n} (fewer), pause {lower(lambda s: s['src'][1])}, promoted {lower(lambda s: s['src'][2])}")
    print(f"  destination's collections: {lower(lambda s: s['dst'][0])}, pause {lower(lambda s: s['dst'][1])}")
    print(f"  longest gap {lower(lambda s: s['gap'])}, total {lower(lambda s: s['total'])}, CPU src {lower(lambda s: s['cpu'][0])}, CPU dst {lower(lambda s: s['cpu'][1])}")
    for k, f in (("src promoted MiB", lambda s: s['src'][2]), ("src collections", lambda s: s['src'][0]), ("src pause ms", lambda s: s['src'][1]),
                 ("longest gap ms", lambda s: s['gap']), ("total s", lambda s: s['total'])):
        print(f"  {k}: {names['vmckpt-base']} {min(f(b) for b, _ in pairs):.4g}-{max(f(b) for b, _ in pairs):.4g}, "
              f"{names['vmckpt']} {min(f(x) for _, x in pairs):.4g}-{max(f(x) for _, x in pairs):.4g}")
