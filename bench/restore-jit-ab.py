#!/usr/bin/env python3
"""What the JIT compiles during a restore, A/B (a benchmark helper, not a test): interleaved eager restores --paused of
LABEL in REPO, one per JAR in turn, N rounds, each with -XX:+LogCompilation; per restore, for the compiles begun before
"restored" (the restore's own time axis from --stats): C1's and C2's tasks, their bytecode with what they inlined, their
compile wall time, and how many ended after the loaders were done or after "restored". The bytecode and task counts do
not depend on the machine's load; the times do.

    bench/restore-jit-ab.py REPO LABEL N JAR[@OPT,OPT] [JAR[@OPT,...]...]

JAR@OPT adds JVM options to that variant (e.g. the same jar twice, once as JAR@-Dvmckpt.restore.c1Only=false).
"""
import os, re, subprocess, sys, tempfile
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402  (the launcher's JVM options, quitting a VM by name)


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    repo, label, n, jars = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    log = os.path.join(tempfile.mkdtemp(prefix="restore-jit-ab-"), "compile.xml")
    for _ in range(n):
        for j in jars:
            jar, _, o = j.partition("@")
            extra = [x for x in o.split(",") if x]
            load = open("/proc/loadavg").read().split()[0]
            cmd = (["java"] + paper.launcher_java_options(jar) + extra + ["-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation",
                   f"-XX:LogFile={log}", "-jar", jar, "restore", label, "--repo", repo, "--stats", "--paused", "--name", "restore-jit-ab"])
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
            axis = phases = ""
            for line in p.stderr:
                if "time axis" in line:
                    axis = line
                if "restore phases" in line:
                    phases = line
                    break
            paper.quit_named("restore-jit-ab", p)
            start = int(re.search(r"the restore (\d+) ms", axis).group(1))
            restored = int(re.search(r"restored at (\d+) ms", axis).group(1))
            done = re.search(r"pages.helpers.done.at ([\d.]+)", phases)
            helpers = start + float(done.group(1)) if done else restored
            x = open(log, errors="replace").read()
            st = {}
            for m in re.finditer(r"<task ([^>]*)>(.*?)<task_done ([^>]*)>", x, re.S):
                a = dict(re.findall(r"(\w+)='([^']*)'", m.group(1)))
                d = dict(re.findall(r"(\w+)='([^']*)'", m.group(3)))
                c = "C2" if a.get("level", "4") == "4" else "C1"
                s0, s1 = float(a["stamp"]) * 1e3, float(d["stamp"]) * 1e3
                if s0 > restored:
                    continue
                r = st.setdefault(c, [0, 0, 0.0, 0, 0])
                r[0] += 1
                r[1] += int(a.get("bytes", 0)) + int(d.get("inlined_bytes", 0) or 0)
                r[2] += s1 - s0
                r[3] += s1 > helpers
                r[4] += s1 > restored
            print(f"{j}: load {load} restore {start}->{restored} ms (loaders done {helpers:.0f}) | " +
                  " | ".join(f"{c}: {r[0]} tasks, {r[1]} bytes incl. inlined, {r[2]:.0f} ms, {r[3]} end after the loaders, "
                             f"{r[4]} after restored" for c, r in sorted(st.items())), flush=True)


if __name__ == "__main__":
    main()
