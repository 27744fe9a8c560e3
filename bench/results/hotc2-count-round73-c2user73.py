#!/usr/bin/env python3
"""Round 73 (c2user73): one run of a bench/cpu guest to BENCH-DONE with -Dvmckpt.jit.hotLog=true, every output line
stamped (seconds since the spawn, and the run thread's / C2's CPU at the marks: threads.py's run_once with a log), and
the per-phase CPU by thread group as JSON. Untimed use only (counts: when builds are decided, queued for C2, installed).

  python3 hotc2-count-round73-c2user73.py LAUNCHER GUEST OUTPREFIX [JAVA_OPTS]
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cpu"))
import threads  # noqa: E402

launcher, guest, out = sys.argv[1:4]
opts = "-Dvmckpt.jit.hotLog=true" + (" " + sys.argv[4] if len(sys.argv) > 4 else "")
r = threads.run_once(os.path.abspath(launcher), opts, guest, "BENCH-DONE", "count", logpath=out + ".log")
for a, b, k in (("init", None, "boot"), ("mstart", "mend", "modules"), ("cstart", "cend", "compute"), ("cstart", "s256", "sha256"), ("s256", "cend", "gzip"),
                 ("mend", "cstart", "gen"), ("fstart", "fend", "fork")):
    if b is None:
        c = r.get("init_cpu", {})
    else:
        c = threads.phase_cpu(r, a, b)
    r[k + "_phase"] = c
    print(k, " ".join(f"{n} {v:.2f}" for n, v in sorted(c.items())))
json.dump(r, open(out + ".json", "w"), indent=1)
