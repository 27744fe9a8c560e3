#!/usr/bin/env python3
"""What HotSpot's compilers compile in an eager restore's loading phase, and their CPU there (a benchmark helper, not a test).

    bench/restore-compiles.py JAR REPO LABEL [--log DIR] [--list] [JVM options...]
    bench/restore-compiles.py --read DIR [--list]

Runs one `vmckpt restore LABEL --paused --stats` by JAR (the launcher's JVM options, the class-data archive beside it)
and quits it. The loading phase is the restore's start (the DATA loaders' first thread, vmckpt-restore-0, appears in
/proc) to the "restored" line on stderr; the CPU of the JVM's threads (/proc/PID/task/*/schedstat: ns on a core) is read
at both ends, so the compilers' CPU in the phase is counted without sampling (the reader polls /proc every 0.5 ms only
until the loader's thread appears, before the phase). Prints: the phase's length, the CPU of C1, C2 and the other
thread groups in it, and `restore phases`' pages.loading.

With --log DIR the JVM also writes -XX:+LogCompilation (DIR/comp.xml) and -Xlog:class+load (DIR/cl.log), and the run's
stderr to DIR/err.txt; then (or later with --read DIR) per compile task (the compiler thread's own log: its start and
done stamps, ms resolution, on the JVM's uptime; the phase from the restore's time axis) the part inside the phase is
counted, grouped by compiler (C1 tiers 1-3, C2 tier 4) and by whose code it is: restore (org.vmckpt.checkpoint outside
store), store (org.vmckpt.checkpoint.store), machine (org.vmckpt.machine), other vmckpt, JDK (java., jdk., sun.),
LambdaForm (java.lang.invoke's spun and holder forms), other (zstd-jni and the rest). A task's time there is the compiler
thread's wall time for it, its CPU only on an idle core; the log's own writing costs the compilers CPU, so take CPU
figures from runs without --log. Also the classes loaded in the phase from outside the class-data archive (spun
LambdaForm$MH/DMH, lambda proxies). --list lists every task and spun class.
"""
import collections, os, re, subprocess, sys, time



def group(method):
    if "LambdaForm" in method or method.startswith("java.lang.invoke.") and ("Holder" in method or "$Species" in method):
        return "LambdaForm"
    if method.startswith("org.vmckpt.checkpoint.store."):
        return "store"
    if method.startswith("org.vmckpt.checkpoint."):
        return "restore"
    if method.startswith("org.vmckpt.machine."):
        return "machine"
    if method.startswith("org.vmckpt."):
        return "vmckpt other"
    if method.startswith(("java.", "jdk.", "sun.")):
        return "JDK"
    return "other"


def analyse(d, listing):
    err = open(f"{d}/err.txt").read()
    m = re.search(r"the restore (\d+) ms, restored at (\d+) ms", err)
    t0, t1 = int(m.group(1)), int(m.group(2))
    tasks = []  # (start ms, end ms, compiler, level, method, osr)
    cur = None
    for line in open(f"{d}/comp.xml", errors="replace"):
        if line.startswith("<task "):
            a = dict(re.findall(r"(\w+)='([^']*)'", line))
            # (C2's tasks carry no level)
            cur = (float(a["stamp"]) * 1000, int(a.get("level", "4")), a["method"].replace("&lt;", "<").replace("&gt;", ">"), "osr_bci" in a)
        elif line.startswith("<task_done") and cur:
            a = dict(re.findall(r"(\w+)='([^']*)'", line))
            end = float(a["stamp"]) * 1000
            tasks.append((cur[0], end, "C2" if cur[1] == 4 else "C1", cur[1], cur[2], cur[3]))
            cur = None

    inphase = collections.defaultdict(lambda: [0, 0.0])
    whole = collections.Counter()
    rows = []
    for s, e, comp, lvl, meth, osr in tasks:
        whole[comp] += 1
        ov = min(e, t1) - max(s, t0)
        if e < t0 or s > t1:
            continue
        g = group(meth)
        inphase[(comp, g)][0] += 1
        inphase[(comp, g)][1] += max(ov, 0)
        rows.append((s, e, comp, lvl, meth, osr, g))

    print(f"phase {t0}-{t1} ms ({t1 - t0} ms); compile tasks in the whole run: C1 {whole['C1']}, C2 {whole['C2']}")
    tot = collections.Counter()
    for (comp, g), (n, ms) in sorted(inphase.items()):
        print(f"  {comp} {g:13s} tasks {n:4d}  ms in phase {ms:7.1f}")
        tot[comp + " n"] += n
        tot[comp + " ms"] += ms
    print(f"  total in phase: C1 {tot['C1 n']} tasks {tot['C1 ms']:.1f} ms, C2 {tot['C2 n']} tasks {tot['C2 ms']:.1f} ms")
    spun = []
    for line in open(f"{d}/cl.log", errors="replace"):
        m = re.match(r"\[(\d+)ms\] (\S+) source: (.*)", line)
        if not m:
            continue
        t, name, src = int(m.group(1)), m.group(2), m.group(3)
        if "LambdaForm$" in name or "$$Lambda$" in name or "__JVM_" in src:
            spun.append((t, name, src, t0 <= t <= t1))
    print(f"spun classes (LambdaForm, lambda proxies, defined through Lookup): {len(spun)} in the run, "
          f"{sum(1 for x in spun if x[3])} in the phase; from outside the archive in the phase: "
          + str(sum(1 for line in open(f'{d}/cl.log', errors='replace') if 'shared objects file' not in line and re.match(r'\[(\d+)ms\]', line) and t0 <= int(re.match(r'\[(\d+)ms\]', line).group(1)) <= t1)))
    if listing:
        for r in sorted(rows):
            print(f"  {r[0]:8.0f}-{r[1]:8.0f} {r[2]} t{r[3]} {'OSR ' if r[5] else ''}{r[6]:12s} {r[4]}")
        for s in spun:
            print(f"  spun {s[0]} ms {'IN ' if s[3] else '   '}{s[1]} {s[2]}")


def group_thread(name):
    if name.startswith("vmckpt-restore"):
        return "loader"
    if name.startswith("GC Thread") or name.startswith("VM Thread"):
        return "GC+VM"
    if name.startswith("C1 ") or name.startswith("C2 "):
        return name[:2]
    if name == "java":
        return "java(main)"
    return "other"


def thread_cpu(pid):
    """{tid: (name, ns on a core)} of process PID now."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            name = open(f"/proc/{pid}/task/{tid}/comm").read().strip()
            ns = int(open(f"/proc/{pid}/task/{tid}/schedstat").read().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        out[tid] = (name, ns)
    return out


def run(jar, repo, label, log_dir, opts):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import paper  # noqa: E402
    extra = []
    if log_dir:
        os.makedirs(log_dir, exist_ok=True)
        extra = ["-XX:+UnlockDiagnosticVMOptions", "-XX:+LogCompilation", f"-XX:LogFile={log_dir}/comp.xml",
                 f"-Xlog:class+load=info:file={log_dir}/cl.log:uptimemillis"]
    cmd = (["java"] + paper.launcher_java_options(jar) + opts + extra + ["-jar", jar, "restore", label, "--repo", repo,
           "--stats", "--paused", "--name", "restore-compiles"])
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    start = None
    deadline = time.monotonic() + 60
    while start is None and time.monotonic() < deadline and p.poll() is None:
        snap = thread_cpu(p.pid)
        if any(n.startswith("vmckpt-restore") for n, _ in snap.values()):
            start = snap
        else:
            time.sleep(0.0005)
    lines, end = [], None
    for line in p.stderr:
        lines.append(line)
        if " restored " in line and end is None:
            end = thread_cpu(p.pid)
        if "restore phases" in line:
            break
    paper.quit_named("restore-compiles", p)
    p.wait()
    text = "".join(lines)
    if log_dir:
        open(f"{log_dir}/err.txt", "w").write(text)
    if start is None or end is None:
        sys.exit("no loader thread or no restored line:\n" + text)
    by = collections.Counter()
    for tid, (name, ns) in end.items():
        by[group_thread(name)] += ns - start.get(tid, (name, 0))[1]
    loading = re.search(r"pages\.loading ([\d.]+) ms", text)
    window = re.search(r"pages\.oldgen\.window ([\d.]+) ms", text)
    restored = re.search(r"restored \S+ in ([\d.]+) ms", text)
    cached = re.search(r"cached\.items (\d+)", text)
    print(f"cpu in phase ms: C1 {by['C1'] / 1e6:.1f} C2 {by['C2'] / 1e6:.1f} loader {by['loader'] / 1e6:.1f} "
          f"main {by['java(main)'] / 1e6:.1f} gc+vm {by['GC+VM'] / 1e6:.1f} other {by['other'] / 1e6:.1f} "
          f"| pages.loading {loading.group(1) if loading else '?'} ms restored-in {restored.group(1) if restored else '?'} ms "
          f"window {window.group(1) if window else '-'} ms initramfs.cached.items {cached.group(1) if cached else '-'}", flush=True)


if __name__ == "__main__":

    args = sys.argv[1:]
    listing = "--list" in args
    args = [a for a in args if a != "--list"]
    if args and args[0] == "--read":
        analyse(args[1], listing)
        sys.exit(0)
    log_dir = None
    if "--log" in args:
        i = args.index("--log")
        log_dir = args[i + 1]
        del args[i:i + 2]
    if len(args) < 3:
        sys.exit(__doc__)
    run(args[0], args[1], args[2], log_dir, args[3:])
    if log_dir:
        analyse(log_dir, listing)
