#!/usr/bin/env python3
"""Issue 9's checkpoint and restore figures (a benchmark, not a test): per workload of a 1 GiB default guest,

  - the first live checkpoint of a fresh VM, on its own line, beside the median of later live checkpoints of the
    same VM (pause reported by vmckpt, guest stall = longest heartbeat gap during the checkpoint, GC pauses);
  - eager restore of the last checkpoint: the pages phase, in MB/s of memory restored and of checkpoint data
    read, and spawn-to-restored wall time; interleaved A/B against a second jar (--base-jar, e.g. the main
    branch's) and against QEMU's restore of a stop-and-copy save of the same guest and workload, in the same run;
  - lazy restore: the guest's heartbeat gaps over the first seconds after it runs again, against its period.

    bench/restore.py [--workloads memdirty] [--later 5] [--restores 3] [--base-jar JAR] [--checkpoint-with base]
                     [--java-opts "..."] [--without OPT,OPT] [--no-qemu] [--guest default|signed]
                     [--compression none|zstd[:LEVEL]] [--base-compression ...]

--guest signed runs the same workloads on a guest this project did not shape (issue 9's): the stock Debian kernel
with its modules as shipped, signatures kept (bench/cpu/build-guests.sh's signed initramfs), a data disk made by a
plain `mke2fs -t ext4` of 256 MiB (1 KiB blocks), and the default guest's /init appended as a second initramfs
archive (the kernel unpacks both; the later /init wins) so the workload starts as on the default guest. vmckpt
boots it with --kernel/--initrd/--append/--disk, QEMU with guest/qemu-boot.sh --guest.

Workloads print a heartbeat every 100 ms (as on the guest issue 9 was measured on). Reuses bench/paper.py's
process, QMP and console helpers. Results: RESULTS/restore.json and a summary on stdout.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper as P  # noqa: E402

HEARTBEAT_MS = 100
WORKLOADS = {
    "memdirty": (f"memdirty,256,10,{HEARTBEAT_MS}", r"memdirty ready", r"memdirty heartbeat (\d+)"),
    "pagecache": (f"pagecache,/mnt/data.bin,{HEARTBEAT_MS}", r"pagecache loaded", r"pagecache heartbeat (\d+)"),
    "kvstore": (f"kvstore,80,{HEARTBEAT_MS}", r"kvstore ready", r"kvstore heartbeat (\d+)"),
    # memdirty with memory that does not compress (bench/workloads/memrandom.c, added to the guest's initramfs)
    "memrandom": (f"memrandom,256,10,{HEARTBEAT_MS}", r"memrandom ready", r"memrandom heartbeat (\d+)"),
}
LAZY_WATCH_S = 3.0
PHASES = r"restore phases: .*pages ([\d.]+) ms"


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def take(qmp, console, hb, label):
    t0 = P.now()
    r = qmp.execute("vmckpt-checkpoint", {"live": True, "name": label})
    t1 = P.now()
    gap, normal = P.heartbeat_gaps(console, hb, t0, t1)
    # The guest's longest heartbeat gap in the 3 s before the checkpoint (before the first: the time after "ready",
    # where a VM's own background work, e.g. a warm-up, would show).
    before = [t for t, _ in console.matches(hb) if t0 - 3.0 <= t <= t0]
    pre = max((b - a for a, b in zip(before, before[1:])), default=None)
    # Heartbeats the workload printed before the checkpoint began: the first checkpoint of a fresh VM is taken with the
    # workload running (issue 9's "first checkpoint" row) only if this is more than 0 (round 70).
    beats = sum(1 for t, _ in console.matches(hb) if t <= t0)
    return {"heartbeats_before": beats, "id": r["id"], "size": r["size"], "downtime_ms": r["downtime-ns"] / 1e6, "total_ms": r["total-ns"] / 1e6,
            "stall_ms": None if gap is None else gap * 1e3 - HEARTBEAT_MS, "gap_ms": None if gap is None else gap * 1e3,
            "pre_gap_ms": None if pre is None else pre * 1e3, "load": os.getloadavg()[0], "t0": t0, "t1": t1}


def restore(vm, repo, ckpt, lazy, hb, tag, eager_watch_s=LAZY_WATCH_S):
    sock = os.path.join(vm.work, "restore.sock")
    args = ["restore", ckpt, "--repo", repo, "--stats", "--api-socket", sock] + (["--lazy"] if lazy else [])
    gc_log = os.path.join(vm.logs, tag + ".gc")
    p = P.Process(vm.java[:1] + [f"-Xlog:gc:file={gc_log}:uptimemillis"] + vm.cmd(*args)[1:], os.path.join(vm.logs, tag), env=vm.env)
    out = {"lazy": lazy, "load": os.getloadavg()[0]}
    got = p.err.wait_for(P.RESTORED, 120)
    if got:
        t, m, _ = got
        out.update(load_ms=float(m.group(2)), wall_ms=(t - p.spawned) * 1e3)
        ph = p.err.wait_for(PHASES, 5)
        if ph:
            out["pages_ms"] = float(ph[1].group(1))
            # Since the DATA pages start loading with the restore, the "pages" phase is only what was left of the
            # loading after the records; pages.loading is all of it (absent from older jars: the same as pages).
            lm = re.search(r"pages\.loading ([\d.]+) ms", ph[1].string)
            out["pages_loading_ms"] = float(lm.group(1)) if lm else out["pages_ms"]
            # Eager: where the pages phase went (read, decode, copy summed over the loader's threads; install).
            for stage, ms in re.findall(r"pages\.(\w+)\.cpu ([\d.]+) ms", ph[1].string):
                out[f"pages_{stage}_ms"] = float(ms)
        # The first heartbeat after "restored" (the guest may need seconds to get its working set), then the
        # gaps between heartbeats for LAZY_WATCH_S after it; for eager restores too, as the reference (a fresh
        # JVM translates the guest's code again, whatever the restore).
        restored_at = t
        seen = p.out.wait_for(hb, 30)  # a new process: every heartbeat it prints comes after the restore
        first_at = seen[0] if seen else None
        watch = LAZY_WATCH_S if lazy else eager_watch_s  # (--eager-watch: shorter for eager restores, more pairs in a slot)
        if first_at:
            time.sleep(max(0.0, first_at + watch + 0.3 - P.now()))
        beats = [tt for tt, _ in p.out.matches(hb) if first_at and first_at <= tt <= first_at + watch]
        gaps = [(b - a) * 1e3 for a, b in zip(beats, beats[1:])]
        out.update(first_heartbeat_ms=(first_at - restored_at) * 1e3 if first_at else None, gaps_ms=gaps,
                   spawn_to_first_heartbeat_ms=(first_at - p.spawned) * 1e3 if first_at else None,
                   max_gap_ms=max(gaps) if gaps else None, continued=first_at is not None)
    qmp = None
    try:
        qmp = P.Qmp(sock, timeout=5)
    except RuntimeError:
        pass
    p.stop(qmp)
    pauses = P.gc_pauses(gc_log, p.spawned)
    with open(gc_log) as f:
        full = sum(1 for line in f if "Pause Full" in line)
    out.update(gc_count=len(pauses), gc_full=full, gc_ms=sum(b - a for a, b in pauses) * 1e3,
               gc_longest_ms=max((b - a for a, b in pauses), default=0) * 1e3)
    # A lazy restore's own account of the guest's wait until its first output (jars with that --stats line).
    try:
        with open(os.path.join(vm.logs, tag + ".err")) as f:
            fo = re.search(r"lazy restore: (the guest's first output .*)", f.read())
        if fo:
            out["first_output"] = fo.group(1)
    except OSError:
        pass
    return out


def checkpoints(args, taker, wl, wl_arg, ready, hb, repo, boot_args, compression=None):
    """Boots a VM of workload WL with TAKER's jar, takes the first and --later live checkpoints into REPO and prints
    them; returns (repo, boot_s, collector pauses, full collections, checkpoints, memory bytes of the last).
    COMPRESSION ('CODEC' or 'CODEC:LEVEL', e.g. none, zstd:3): the repository's setting (vmckpt config), set before
    the first checkpoint; the running VM reads it at each checkpoint."""
    p, qmp, boot_s, gc_log = P.start_vmckpt(taker, wl, wl_arg, ready, repo, boot_args)
    if compression:
        codec, _, level = compression.partition(":")
        subprocess.run(taker.cmd("config", "--repo", repo, "--compression", codec, *(("--level", level) if level else ())),
                       env=taker.env, check=True, capture_output=True)
        print(f"  repository compression: {compression}", flush=True)
    cks = [take(qmp, p.out, hb, f"{wl}-first")]
    for i in range(args.later):
        time.sleep(P.SPACING_S)
        cks.append(take(qmp, p.out, hb, f"{wl}-later-{i}"))
    p.stop(qmp)
    pauses = P.gc_pauses(gc_log, p.spawned)
    with open(gc_log) as f:
        fulls = sum(1 for line in f if "Pause Full" in line)
    print(f"  collections while the VM ran: {len(pauses)} ({fulls} full), longest pause "
          f"{max((b - a for a, b in pauses), default=0) * 1e3:.1f} ms", flush=True)
    for c in cks:
        c["gc_ms"], c["gc_longest_ms"] = P.gc_during(pauses, c["t0"], c["t1"])
    for c in cks:  # the engine's own record of the collector's pauses inside each checkpoint
        c["stats"] = taker.inspect(repo, c["id"]).get("stats", {})
        c["engine_gc_ms"] = c["stats"].get("gc.pause.ns", 0) / 1e6
        c["freeze_cpu_ms"] = c["stats"].get("time.freeze.cpu.ns", 0) / 1e6
    st = cks[-1]["stats"]
    mem_bytes = (st.get("pages.data", 0) + st.get("pages.disk_block", 0)) * 4096
    first, later = cks[0], cks[1:]
    print(f"  first live checkpoint: after {first['heartbeats_before']} heartbeats of the workload, pause {first['downtime_ms']:.2f} ms (CPU {first['freeze_cpu_ms']:.2f} ms), "
          f"stall {first['stall_ms']} ms, GC pauses {first['engine_gc_ms']:.0f} ms by the engine, "
          f"{first['gc_ms']:.0f} ms by the GC log (longest {first['gc_longest_ms']:.0f})", flush=True)
    if later:  # (--later 0: the first checkpoint only)
        print(f"  later (median of {len(later)}): pause {med([c['downtime_ms'] for c in later]):.2f} ms "
              f"(CPU {med([c['freeze_cpu_ms'] for c in later]):.2f} ms), stall {med([c['stall_ms'] for c in later])} ms, "
              f"GC pauses {med([c['engine_gc_ms'] for c in later]):.0f} ms by the engine, "
              f"{med([c['gc_ms'] for c in later]):.0f} ms by the GC log", flush=True)
    return repo, boot_s, pauses, fulls, cks, mem_bytes


def add_memrandom(work, guest):
    """Cross-compiles bench/workloads/memrandom.c and appends it to GUEST's initramfs as /bin/memrandom (a second
    archive: the kernel unpacks both), in place; GUEST is a directory as guest/qemu-boot.sh --guest reads it."""
    stage = os.path.join(work, "memrandom-archive")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(os.path.join(stage, "bin"))
    subprocess.run(["riscv64-linux-gnu-gcc", "-static", "-O2", "-Wall", "-o", os.path.join(stage, "bin", "memrandom"),
                    os.path.join(P.ROOT, "bench", "workloads", "memrandom.c")], check=True)
    archive = subprocess.run("printf 'bin\\nbin/memrandom\\n' | cpio --quiet -o -H newc -R 0:0 | gzip -9 -n", shell=True,
                             cwd=stage, check=True, capture_output=True).stdout
    with open(os.path.join(guest, "initramfs.cpio.gz"), "ab") as f:
        f.write(archive)


def default_guest_copy(work):
    """The default guest's files copied under WORK (so that an archive can be added to its initramfs)."""
    d = os.path.join(work, "guest-default")
    os.makedirs(d, exist_ok=True)
    for f in ("Image", "cmdline", "initramfs.cpio.gz", "disk.img"):
        shutil.copyfile(os.path.join(P.GUEST, f), os.path.join(d, f))
    return d


def guest_boot_args(d):
    """`vmckpt run` options that boot the guest directory D (as signed_guest makes it): kernel, initramfs, command
    line and data disk."""
    with open(os.path.join(d, "cmdline")) as f:
        cmdline = f.read().strip()
    return ("--kernel", os.path.join(d, "Image"), "--initrd", os.path.join(d, "initramfs.cpio.gz"),
            "--append", cmdline, "--disk", os.path.join(d, "disk.img"))


def signed_guest(work):
    """Makes the signed guest's directory (Image, initramfs.cpio.gz, cmdline, disk.img, as guest/qemu-boot.sh
    --guest reads it) under WORK; returns its path."""
    out = subprocess.run([os.path.join(P.ROOT, "bench", "cpu", "build-guests.sh")], check=True, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    d = os.path.join(work, "guest-signed")
    os.makedirs(d, exist_ok=True)
    for f in ("Image", "cmdline"):
        shutil.copyfile(os.path.join(P.GUEST, f), os.path.join(d, f))
    # The default /init as a second archive: busybox, the workloads and the signed modules come from the first.
    stage = os.path.join(work, "init-archive")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    shutil.copyfile(os.path.join(P.ROOT, "guest", "init"), os.path.join(stage, "init"))
    os.chmod(os.path.join(stage, "init"), 0o755)
    init_cpio = subprocess.run("echo init | cpio --quiet -o -H newc -R 0:0 | gzip -9 -n", shell=True, cwd=stage,
                               check=True, capture_output=True).stdout
    with open(os.path.join(out, "signed", "initramfs.cpio.gz"), "rb") as f:
        signed = f.read()
    with open(os.path.join(d, "initramfs.cpio.gz"), "wb") as f:
        f.write(signed + init_cpio)
    disk = os.path.join(d, "disk.img")
    if os.path.exists(disk):
        os.remove(disk)
    subprocess.run(["mke2fs", "-q", "-F", "-t", "ext4", disk, "256M"], check=True)
    return d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workloads", default="memdirty")
    ap.add_argument("--later", type=int, default=5, help="live checkpoints after the first")
    ap.add_argument("--restores", type=int, default=3, help="eager and lazy restores per jar")
    ap.add_argument("--jar", default=os.path.join(P.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--base-jar", default=None, help="a second jar restored in turn with --jar (A/B)")
    ap.add_argument("--java-opts", default="", help="extra JVM options for every vmckpt process")
    ap.add_argument("--base-java-opts", default=None, help="JVM options for the base jar's restores instead of "
                    "--java-opts: with --base-jar the same jar, an interleaved A/B of JVM options")
    ap.add_argument("--checkpoint-with", choices=("jar", "base", "each"), default="jar",
                    help="which jar boots the VM and takes the checkpoints: 'base' makes checkpoints both jars read "
                         "(a newer jar's manifest, e.g. one with a working set, is refused by an older jar); 'each': "
                         "each jar boots its own VM, takes its own checkpoints (in its own repository) and restores them")
    ap.add_argument("--without", default="", help="launcher JVM options to leave out, comma-separated (e.g. the "
                    "collector settings, to measure without them: -Xmn16m,-XX:MaxTenuringThreshold=0; the heap pin is -Xms<KiB>k, as bench/paper.py prints it)")
    ap.add_argument("--compression", default=None, help="the checkpoints' compression, as vmckpt config sets it in the "
                    "repository before the first checkpoint: none, zstd or zstd:LEVEL (default: the repository's default)")
    ap.add_argument("--base-compression", default=None, help="with --checkpoint-with each: the base jar's checkpoints' "
                    "compression instead of --compression (--base-jar may be the same jar: an A/B of encodings)")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--eager-only", action="store_true", help="eager restores only, no lazy ones (round 79: more eager pairs "
                    "in a short slot)")
    ap.add_argument("--lazy-only", action="store_true", help="lazy restores only, no eager ones (round 82: more lazy pairs "
                    "in a short slot)")
    ap.add_argument("--qemu-no-kick", action="store_true", help="restore QEMU's stream as rounds up to 76 did, without "
                    "re-arming its guest's timer (bench/paper.py qemu_timer_kick): QEMU 7.2's restored guest then waits "
                    "for a timer interrupt that never comes and prints no heartbeat (continued=False)")
    ap.add_argument("--eager-watch", type=float, default=LAZY_WATCH_S, help="seconds an eager restore's guest is watched "
                    "after its first heartbeat (its gaps; default as a lazy one's, 3 s; round 84: 1 s for more eager pairs in a slot)")
    ap.add_argument("--alternate", action="store_true",
                    help="with --base-jar: the base jar's restores first in odd reps (a restore right after another process "
                         "exited gets the memory it freed, which the host still backs; round 70)")
    ap.add_argument("--keep-repos", action="store_true", help="keep each workload's repository (WORK/repo-WORKLOAD) "
                    "for bench/restore-cpu-ab.py")
    ap.add_argument("--guest", choices=("default", "signed"), default="default",
                    help="signed: the stock kernel's signed modules, a plain mke2fs data disk (see above)")
    ap.add_argument("--results", default=os.path.join(P.ROOT, "bench", "results"))
    ap.add_argument("--work", default="/tmp/vmckpt-bench-restore")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.work, "logs"), exist_ok=True)
    os.makedirs(args.results, exist_ok=True)

    def vmckpt(jar, java_opts):
        a = argparse.Namespace(jar=jar, work=args.work)
        vm = P.Vmckpt(a)
        opts = java_opts.split()
        vm.java = [o for o in vm.java if o not in args.without.split(",")]
        if any(o.startswith("-XX:+Use") and o.endswith("GC") for o in opts):  # another collector than the launcher's
            vm.java = [o for o in vm.java if o != "-XX:+UseParallelGC"]
        vm.java = vm.java[:1] + opts + vm.java[1:]
        return vm

    vm = vmckpt(args.jar, args.java_opts)
    jars = {"new": vm}
    if args.base_jar:
        jars["base"] = vmckpt(args.base_jar, args.java_opts if args.base_java_opts is None else args.base_java_opts)
    results = {"command": " ".join(sys.argv), "machine": P.machine_info(args.jar), "java_opts": args.java_opts, "base_java_opts": args.base_java_opts,
               "compression": args.compression, "base_compression": args.base_compression,
               "heartbeat_ms": HEARTBEAT_MS, "guest": args.guest, "workloads": {}}
    boot_args = ()
    g = None
    if args.guest == "signed":
        g = signed_guest(args.work)
    elif "memrandom" in args.workloads.split(","):
        g = default_guest_copy(args.work)
    if g:
        if "memrandom" in args.workloads.split(","):
            add_memrandom(args.work, g)
        boot_args = guest_boot_args(g)
        default_qemu_cmd = P.qemu_cmd
        P.qemu_cmd = lambda workload, extra: default_qemu_cmd(workload, extra)[:1] + ["--guest", g] + default_qemu_cmd(workload, extra)[1:]
    for wl in args.workloads.split(","):
        wl_arg, ready, hb = WORKLOADS[wl]
        print(f"workload {wl}", flush=True)
        if args.checkpoint_with == "each":
            takers = list(jars.items())
        else:
            takers = [("new", jars["base"] if args.checkpoint_with == "base" and "base" in jars else vm)]
        own = {}
        for taker_name, taker in takers:
            repo = os.path.join(args.work, f"repo-{wl}" + ("" if taker_name == "new" else f"-{taker_name}"))
            comp = args.base_compression if taker_name == "base" and args.base_compression is not None else args.compression
            own[taker_name] = checkpoints(args, taker, wl, wl_arg, ready, hb, repo, boot_args, comp)
        boot_s, pauses, fulls, cks, mem_bytes = own["new"][1:]
        restores = {k: [] for k in jars}
        for rep in range(args.restores):
            for lazy in ((False,) if args.eager_only else (True,) if args.lazy_only else (False, True)):
                # --alternate: the base jar first in odd reps. A restore started right after another process exited gets the
                # memory that process freed, which the host still backs: the second of a pair touches cheaper memory.
                order = list(jars.items())
                if args.alternate and rep % 2 == 1:
                    order.reverse()
                for name, v in order:
                    repo, ckpts = (own[name][0], own[name][4]) if name in own else (own["new"][0], cks)
                    r = restore(v, repo, ckpts[-1]["id"], lazy, hb, f"restore-{wl}-{name}-{rep}-{'lazy' if lazy else 'eager'}",
                                args.eager_watch)
                    r["rep"] = rep
                    if not lazy and r.get("pages_loading_ms"):
                        r["mem_MBps"] = mem_bytes / 1e6 / (r["pages_loading_ms"] / 1e3)
                        # the restored checkpoint's own size (with --checkpoint-with each, the base jar's checkpoint)
                        r["checkpoint_size"] = ckpts[-1]["size"]
                        r["data_MBps"] = ckpts[-1]["size"] / 1e6 / (r["pages_loading_ms"] / 1e3)
                    restores[name].append(r)
                    if lazy:
                        print(f"    {name:4s} lazy  rep {rep} (load {r['load']:.1f}): running after {r.get('load_ms', float('nan')):.0f} ms; first heartbeat "
                              f"{r.get('first_heartbeat_ms')} ms later; max gap in {LAZY_WATCH_S:.0f} s {r.get('max_gap_ms')} ms "
                              f"(period {HEARTBEAT_MS} ms); GC {r['gc_count']} pauses ({r['gc_full']} full) {r['gc_ms']:.0f} ms, "
                              f"longest {r['gc_longest_ms']:.0f} ms", flush=True)
                        if r.get("first_output"):
                            print(f"      {r['first_output']}", flush=True)
                    else:
                        stages = ", ".join(f"{k[6:-3]} {r[k]:.0f}" for k in ("pages_read_ms", "pages_decode_ms", "pages_copy_ms", "pages_install_ms") if k in r)
                        print(f"    {name:4s} eager rep {rep} (load {r['load']:.1f}): pages {r.get('pages_ms')} ms, loading {r.get('pages_loading_ms')} ms ({'CPU ms: ' + stages if stages else 'no stage times'}) = {r.get('mem_MBps', 0):.0f} MB/s of memory, "
                              f"{r.get('data_MBps', 0):.0f} MB/s of checkpoint data; restored {r.get('load_ms')} ms in process, "
                              f"{r.get('wall_ms', 0):.0f} ms from spawn; continued={r.get('continued')}; first heartbeat "
                              f"{r.get('first_heartbeat_ms')} ms later ({r.get('spawn_to_first_heartbeat_ms') or float('nan'):.0f} ms from spawn), max gap in {args.eager_watch:g} s {r.get('max_gap_ms')} ms; "
                              f"GC {r['gc_count']} pauses ({r['gc_full']} full) {r['gc_ms']:.0f} ms, longest {r['gc_longest_ms']:.0f} ms", flush=True)
        entry = {"boot_s": boot_s, "gc_pauses_ms": [(b - a) * 1e3 for a, b in pauses], "gc_full": fulls, "checkpoints": cks, "memory_bytes": mem_bytes, "restores": restores}
        if args.checkpoint_with == "each":
            entry["checkpoints_by_jar"] = {name: own[name][4] for name in own}
        if not args.no_qemu and shutil.which("qemu-system-riscv64"):
            qa = argparse.Namespace(work=args.work)
            saved = P.WORKLOADS.get(wl)
            P.WORKLOADS[wl] = WORKLOADS[wl]
            try:
                saves, _ = P.run_qemu(qa, wl, 1)
                entry["qemu"] = []
                for s in saves:
                    if s["kind"] == "stop-and-copy":
                        for rep in range(args.restores):
                            s["rep"] = rep
                            q = P.qemu_restore(qa, wl, s, kick=not args.qemu_no_kick)
                            q["size"] = s["size"]
                            entry["qemu"].append(q)
                    os.remove(s["file"])
            finally:
                if saved is None:
                    del P.WORKLOADS[wl]
                else:
                    P.WORKLOADS[wl] = saved
        if not args.keep_repos:
            for o in own.values():
                shutil.rmtree(o[0], ignore_errors=True)
        results["workloads"][wl] = entry
        summary(wl, entry)
    with open(os.path.join(args.results, "restore.json"), "w") as f:
        json.dump(results, f, indent=1)


def summary(wl, e):
    print(f"summary {wl}:")
    for name, rs in e["restores"].items():
        eager = [r for r in rs if not r["lazy"]]
        lazy = [r for r in rs if r["lazy"]]
        sizes = sorted({r["checkpoint_size"] for r in eager if r.get("checkpoint_size")})
        print(f"  {name}: checkpoint {', '.join(f'{x / 1e6:.1f}' for x in sizes) or '?'} MB; eager pages loading median {med([r.get('pages_loading_ms') for r in eager])} ms "
              f"({med([r.get('mem_MBps') for r in eager])} MB/s memory, {med([r.get('data_MBps') for r in eager])} MB/s data), "
              f"spawn to restored {med([r.get('wall_ms') for r in eager])} ms, spawn to first heartbeat {med([r.get('spawn_to_first_heartbeat_ms') for r in eager])} ms, first heartbeat after "
              f"{med([r.get('first_heartbeat_ms') for r in eager])} ms; lazy max heartbeat gap median "
              f"{med([r.get('max_gap_ms') for r in lazy])} ms, first heartbeat after {med([r.get('first_heartbeat_ms') for r in lazy])} ms")
    if e.get("qemu"):
        qs = e["qemu"]
        print(f"  qemu: stop-and-copy stream {qs[0]['size'] / 2**20:.0f} MiB, spawn to running median "
              f"{med([q['running_s'] * 1e3 if q.get('running_s') else None for q in qs])} ms, spawn to first heartbeat median "
              f"{med([q['first_heartbeat_s'] * 1e3 if q.get('first_heartbeat_s') else None for q in qs])} ms, "
              f"continued in {sum(1 for q in qs if q.get('continued'))} of {len(qs)} (timer kick: {qs[0].get('kick')})")
        # issue 9's comparison, rep by rep, both ways: vmckpt's spawn to "restored" against QEMU's spawn to "running",
        # and each VMM's spawn to its guest's first heartbeat after the restore.
        qr = {q["rep"]: q for q in qs}
        for name, rs in e["restores"].items():
            eager = [r for r in rs if not r["lazy"] and r["rep"] in qr]
            run = sum(1 for r in eager if r.get("wall_ms") and qr[r["rep"]].get("running_s") and r["wall_ms"] < qr[r["rep"]]["running_s"] * 1e3)
            hb = sum(1 for r in eager if r.get("spawn_to_first_heartbeat_ms") and (not qr[r["rep"]].get("first_heartbeat_s")
                     or r["spawn_to_first_heartbeat_ms"] < qr[r["rep"]]["first_heartbeat_s"] * 1e3))
            print(f"  {name} faster than QEMU in its rep: to running {run} of {len(eager)}, to the first heartbeat {hb} of {len(eager)}")


if __name__ == "__main__":
    main()
