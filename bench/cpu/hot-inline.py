#!/usr/bin/env python3
"""C2's compiles of the hot-tier builds in a HotSpot LogCompilation log: per build its key, bytecode, task time, C2's
register-allocation rounds, the bytes it inlined, and its calls inlined or not by reason (Unsafe's own calls left out).
"size > DesiredMethodLimit" is C2's inlining budget running out: the build's bytecode plus what C2 inlined into it so
far reached 8,000 bytes, and every later call stays a call (round 51: the long compile of ECDSA's 6ae59a). A tuning
aid, not a test. Run the guest with -XX:+LogCompilation (bench/cpu/modswing.py's LogFile) and
-Dvmckpt.jit.hotLog=true (for the keys), then:

  python3 bench/cpu/hot-inline.py RUN.vmlog [RUN.log]
"""
import collections
import re
import sys


def main():
    txt = open(sys.argv[1], errors="replace").read()
    key = {}
    if len(sys.argv) > 2:
        log = open(sys.argv[2], errors="replace").read()
        for m in re.finditer(r"vmckpt-hot (?:built|installed) key (\w+) .*?build (org\.vmckpt\.machine\.cpu\.HotUnit/0x[0-9a-f]+)", log):
            key[m.group(2)] = m.group(1)
    task = re.compile(r"<task compile_id='(\d+)'( compile_kind='osr')? method='(org.vmckpt.machine.cpu.HotUnit/0x[0-9a-f]+) "
                      r"run[^']*' bytes='(\d+)'[^>]*?stamp='([\d.]+)'>")
    for m in task.finditer(txt):
        if "level='" in m.group(0) and "level='4'" not in m.group(0):
            continue
        body = txt[m.start():txt.find("</task>", m.start())]
        done = re.search(r"<task_done[^>]*?stamp='([\d.]+)'", body)
        meth = {x.group(1): x.group(2) for x in re.finditer(r"<method id='(\d+)' holder='(\d+)'", body)}
        klass = dict(re.findall(r"<klass id='(\d+)' name='([^']*)'", body))
        calls = collections.Counter()
        for c in re.finditer(r"<call method='(\d+)'[^>]*>\s*(?:<[^>]*>\s*)*?<inline_(success|fail) reason='([^']*)'", body):
            if klass.get(meth.get(c.group(1)), "").endswith("Unsafe"):
                continue
            calls[(c.group(2), c.group(3).replace("&gt;", ">"))] += 1
        ra = re.search(r"<regalloc attempts='(\d+)'", body)
        ib = re.search(r"inlined_bytes='(\d+)'", body)
        t = float(done.group(1)) - float(m.group(5)) if done else float("nan")
        print(f"{key.get(m.group(3), '?'):>7} {m.group(4):>5} B{' OSR' if m.group(2) else '    '} C2 {t:6.3f} s at {float(m.group(5)):7.2f}"
              f" | regalloc rounds {ra.group(1) if ra else '?'} | inlined {ib.group(1) if ib else '?':>4} B | "
              + ", ".join(f"{a} ({r}) {n}" for (a, r), n in sorted(calls.items())))


if __name__ == "__main__":
    sys.exit(main())
