#!/usr/bin/env python3
"""Round 78 (restore78): when a checkpoint's guest is due to print its next heartbeat, in its own time (an untimed count,
not a test). Restores LABEL of each REPO with this branch's jar and the mark lines' diagnostic
(-Dvmckpt.stats.markPrefix=memdirty heartbeat, -Dvmckpt.restore.sessionBeside=true -Dvmckpt.genid.urandom=true) for
SECONDS, then kills it. memdirty's heartbeats are due every 100 ms of its monotonic time from its start, so the guest
times of the marks (ms since the guest's first instruction here) are DUE + 100 k + lateness: DUE is taken where most
of the later ones fall modulo 100 (the punctual ones). Prints per repository: the first heartbeat's guest
time, DUE (the guest's own wait after the restore, the floor of "restored to the first heartbeat"), their difference
(that heartbeat's lateness), and the first instruction's delay after "restored".

    phase-round78-restore78.py JAR LABEL SECONDS REPO...
"""
import re, subprocess, sys, time
sys.path.insert(0, "/work/wt-restore78/bench")
import paper  # noqa: E402
jar, label, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
for repo in sys.argv[4:]:
    cmd = ["java"] + paper.launcher_java_options(jar) + ["-Dvmckpt.stats.markPrefix=memdirty heartbeat", "-Dvmckpt.restore.sessionBeside=true",
           "-Dvmckpt.genid.urandom=true", "-jar", jar, "restore", label, "--repo", repo, "--stats", "--api-socket", "/tmp/restore78/phase.sock",
           "--console", "/tmp/restore78/phase.console"]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines, t_end = [], None
    for line in p.stderr:
        lines.append(line)
        if "mark memdirty heartbeat" in line and t_end is None:
            t_end = time.monotonic() + seconds
        if t_end is not None and time.monotonic() > t_end:
            break
    p.kill(); p.wait()
    g = [float(m.group(1)) for m in (re.search(r"guest time ([\d.]+) ms", l) for l in lines) if m]
    first = next((re.search(r"the first instruction ([\d.]+) ms after", l) for l in lines if "the first instruction" in l and "after" in l), None)
    if not g:
        print(f"{repo}: no mark line"); continue
    # DUE: the value (of the later beats' guest times mod 100) with the most beats within 3 ms after it, circularly: the
    # punctual beats; a late one (lateness over 100 - DUE) would wrap and must not be taken for the smallest.
    rest = [x % 100 for x in g[1:]]
    due = max(rest, key=lambda d: sum(1 for x in rest if (x - d) % 100 <= 3)) if rest else float("nan")
    near = sum(1 for x in rest if (x - due) % 100 <= 3)
    print(f"{repo} {label}: {len(g)} heartbeats; the first at guest time {g[0]:.1f} ms after the guest's first instruction; due at "
          f"~{due:.1f} ms ({near} of the {len(rest)} later ones within 3 ms after DUE + 100 k); its lateness {g[0] - due:.1f} ms; the first instruction "
          f"{first.group(1) if first else '?'} ms after \"restored\"")
    # Instructions and the wait for interrupts per heartbeat: the first (since the guest's first instruction) and later ones.
    iw = [(int(m.group(1)), float(m.group(2)), float(m.group(3))) for m in
          (re.search(r"since the first instruction: (\d+) instructions, wall ([\d.]+) ms, guest time [\d.]+ ms, waited for interrupts ([\d.]+) ms", l)
           for l in lines) if m]
    per = [f"{iw[0][0]} instr / {iw[0][2]:.0f} ms waited of {iw[0][1]:.0f}"] + [
        f"{b[0] - a[0]} / {b[2] - a[2]:.0f} of {b[1] - a[1]:.0f}" for a, b in zip(iw, iw[1:])]
    print("  per heartbeat (instructions / ms waiting for interrupts of the wall ms): " + "; ".join(per))
