#!/usr/bin/env python3
"""Round 81 (memdirty81): what happens before an eager restore's old-generation window opens, counted (untimed is fine):
runs bench/restore-loading-timeline.py for JAR on REPO LABEL with the JVM options given, and prints from its output the
window's opening (when the window thread is first seen, ms after the restore's start), the young collections before it
(count, ms), the loading phase, and the stage CPU of the restore's phases line.
    python3 prewindow.py JAR REPO LABEL [JVM options...]"""
import re, subprocess, sys, os
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.join(here, "..", "..", "..")
out = subprocess.run([sys.executable, os.path.join(root, "bench", "restore-loading-timeline.py")] + sys.argv[1:],
                     capture_output=True, text=True, timeout=150).stdout
w = re.search(r"vmckpt-oldgen-w\s+[\d.]+ /\s+[\d.]+ /\s+[\d.]+\s+(\d+)\.\.", out)
opened = int(w.group(1)) if w else None
cols = re.findall(r"Pause Young \(([^)]*)\)@(\d+) ([\d.]+)ms", out.split("collections in it:")[1].splitlines()[0]) if "collections in it:" in out else []
before = [(int(t), float(ms)) for why, t, ms in cols if opened is not None and int(t) < opened]
ph = re.search(r"loading phase \(JVM uptime\): .*\((\d+) ms\)", out)
st = re.search(r"pages.read.cpu ([\d.]+) ms pages.decode.cpu ([\d.]+) ms pages.copy.cpu ([\d.]+) ms.*?pages.references.cpu ([\d.]+) ms", out)
dl = re.search(r"pages.deltas.cpu ([\d.]+) ms", out)
thr = {m.group(1).strip(): float(m.group(2)) for m in re.finditer(r"^  (\S.{0,15}?)\s+([\d.]+) /", out, re.M)}
grp = lambda k: sum(v for n, v in thr.items() if n.startswith(k))
print(f"phase {ph.group(1) if ph else '?'} ms; window opened at {opened} ms; young collections before it {len(before)} ({sum(ms for _, ms in before):.1f} ms), "
      f"in the phase {len(cols)}; CPU in phase: restoring thread {grp('java'):.0f}, loader {grp('vmckpt-restore'):.0f}, C1 {grp('C1'):.0f}, C2 {grp('C2'):.0f}, GC {grp('GC'):.0f}; "
      + (f"stages read {st.group(1)} decode {st.group(2)} copy {st.group(3)} references {st.group(4)}" if st else "no stages")
      + (f" (deltas {dl.group(1)})" if dl else ""))
