#!/usr/bin/env python3
"""Deoptimisations in a -XX:+LogCompilation log (count-run.sh's OUT.logc; untimed counts, round 86 traps86).

Per method: C2 compiles (nmethods at level 4, OSR apart), uncommon traps taken at run time (<uncommon_trap thread=...>
with a compile_id: reason/action), make_not_entrant events of C2 code, and for translated units (HotUnit*/Unit*) whether
a unit whose C2 code was made not entrant got C2 code again, and after how many seconds (log stamps: s since JVM start).
  deopts.py OUT.logc [--top N]
"""
import re
import sys
from collections import Counter, defaultdict

ATTR = re.compile(r"(\w+)='([^']*)'")


def short(m):
    # 'org/vmckpt/machine/cpu/Hart run (I)V' -> Hart.run; hidden unit classes keep their class name head
    cls, _, rest = m.partition(" ")
    name = rest.split(" ")[0]
    c = cls.rsplit(".", 1)[-1]  # hidden classes keep their /0x... suffix (one unit each)
    return f"{c}.{name}"


def main():
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    nm = {}            # compile_id -> (method, level, osr, stamp)
    c2 = defaultdict(list)   # method -> [(stamp, osr, id)]
    traps = Counter()  # (method, reason, action)
    trap_by_method = Counter()
    mne = defaultdict(list)  # method -> [stamp] of C2 code made not entrant
    pending_trap = None
    at = Counter()
    for line in open(path, errors="replace"):
        if line.startswith("<nmethod "):
            a = dict(ATTR.findall(line))
            if "compile_id" in a and "method" in a:
                osr = "compile_kind" in a and a["compile_kind"] == "osr"
                lvl = a.get("level", "4" if a.get("compiler") == "c2" else "?")
                nm[a["compile_id"] + ("%" if osr else "")] = (a["method"], lvl, osr)
                nm.setdefault(a["compile_id"], (a["method"], lvl, osr))
                if a.get("compiler") == "c2" or lvl == "4":
                    c2[a["method"]].append((float(a.get("stamp", 0)), osr, a["compile_id"]))
        elif line.startswith("<uncommon_trap thread="):
            pending_trap = dict(ATTR.findall(line))
            if line.rstrip().endswith("/>"):
                m = nm.get(pending_trap.get("compile_id", ""), ("?",))[0]
                traps[(m, pending_trap.get("reason"), pending_trap.get("action"))] += 1
                trap_by_method[m] += 1
                pending_trap = None
        elif pending_trap is not None and line.startswith("<jvms "):
            if "at" not in pending_trap:
                j = dict(ATTR.findall(line))
                pending_trap["at"] = short(j.get("method", "?")) + "@" + j.get("bci", "?")
                at[(nm.get(pending_trap.get("compile_id", ""), ("?",))[0], pending_trap["at"], pending_trap.get("reason"))] += 1
        elif pending_trap is not None and line.startswith("</uncommon_trap>"):
            m = nm.get(pending_trap.get("compile_id", ""), ("?",))[0]
            traps[(m, pending_trap.get("reason"), pending_trap.get("action"))] += 1
            trap_by_method[m] += 1
            pending_trap = None
        elif line.startswith("<make_not_entrant ") and "zombie='1'" not in line:  # (zombie: the same code later)
            a = dict(ATTR.findall(line))
            if a.get("compiler") == "c2" or a.get("level") == "4":
                cid = a.get("compile_id", "")
                m = nm.get(cid, ("?",))[0]
                mne[m].append((float(a.get("stamp", 0)), "osr" if a.get("compile_kind") == "osr" else ""))
    print(f"# {path}")
    print(f"uncommon traps taken at run time: {sum(traps.values())}, in {len(trap_by_method)} methods")
    print(f"C2 code made not entrant: {sum(len(v) for v in mne.values())} times, {len(mne)} methods")
    print(f"C2 compiles (nmethods): {sum(len(v) for v in c2.values())} of {len(c2)} methods")
    print("\n## traps by method, reason, action (top)")
    for (m, r, a), n in traps.most_common(top):
        print(f"{n:6d}  {short(m):40s} {r} / {a}")
    print("\n## traps by compiled method, innermost frame, reason (top)")
    for (m, w, r), n in at.most_common(top):
        print(f"{n:6d}  {short(m):40s} at {w:40s} {r}")
    print("\n## reasons overall")
    rc = Counter()
    for (m, r, a), n in traps.items():
        rc[(r, a)] += n
    for (r, a), n in rc.most_common():
        print(f"{n:6d}  {r} / {a}")
    print("\n## C2 code made not entrant, by method (times; first stamps)")
    for m, v in sorted(mne.items(), key=lambda kv: -len(kv[1]))[:top]:
        print(f"{len(v):4d}  {short(m):40s} " + " ".join(f"{s:.1f}{o}" for s, o in v[:8]))
    units = [m for m in mne if "Unit" in m.split(" ")[0].rsplit(".", 1)[-1]]
    print(f"\n## translated units with C2 code made not entrant: {len(units)}")
    back = 0
    for m in units:
        out = sorted(mne[m])
        comp = sorted(c2[m])
        later = [(s, o, i) for s, o, i in comp if s > out[0][0]]
        if later:
            back += 1
        print(f"  {short(m):30s} C2 builds {len(comp)} at " + " ".join(f"{s:.1f}{'%' if o else ''}" for s, o, i in comp[:6])
              + f"; not entrant at " + " ".join(f"{s:.1f}{o}" for s, o in out[:6])
              + (f"; C2 again {later[0][0] - out[0][0]:.1f} s after the first" if later else "; no C2 build after"))
    print(f"  back to C2 after being made not entrant: {back} of {len(units)}")
    hm = ["Hart run", "Interpreter", "Mmu "]
    print("\n## hart loop / interpreter / Mmu C2 code made not entrant")
    for m, v in mne.items():
        if any(h in m for h in hm):
            print(f"  {len(v):4d}  {m}  at " + " ".join(f"{s:.1f}{o}" for s, o in v[:10]))


main()
