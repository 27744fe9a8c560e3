#!/usr/bin/env python3
"""What a first touch of fresh anonymous memory costs on this machine (a benchmark, not a test): the cost every eager
restore pays for the memory its pages fill (the collector's promotions into the old generation take it inside their
pauses), and QEMU's restore for its guest RAM.

    bench/first-touch.py [MiB] [--rounds N]

Per round, in this process, each on a fresh mapping of MiB (default 358, an eager signed-guest restore's pages):
  huge:       2 MiB pages (MADV_HUGEPAGE, as the launcher's heap), written whole once (memset), and again
  huge-again: the same at once after the previous mapping was unmapped (memory freed moments before)
  huge-gap:   the same after 4 s idle (the freed memory handed back to the host meanwhile, if the host takes it)
  small-pop:  4 KiB pages (MADV_NOHUGEPAGE) faulted in by one madvise(MADV_POPULATE_WRITE), then written whole
  huge-pop:   2 MiB pages faulted in by MADV_POPULATE_WRITE, then written whole
Each line: wall and this process's user/system CPU of the populate (if any) and of the first write, and the second
write's wall (memory already mapped). Time the guest's kernel does not see (a hypervisor's faults on its own page
tables) shows as the wall and the user or system time of whatever instruction met it.
"""
import ctypes
import mmap
import os
import resource
import sys
import time

MADV_POPULATE_WRITE = 23


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime, r.ru_stime


def one(tag, n, huge, populate):
    m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    m.madvise(mmap.MADV_HUGEPAGE if huge else mmap.MADV_NOHUGEPAGE)
    buf = (ctypes.c_char * n).from_buffer(m)
    addr = ctypes.addressof(buf)
    t0, (u0, s0) = time.perf_counter(), cpu()
    if populate:
        m.madvise(MADV_POPULATE_WRITE, 0, n)
    t1, (u1, s1) = time.perf_counter(), cpu()
    ctypes.memset(addr, 1, n)
    t2, (u2, s2) = time.perf_counter(), cpu()
    ctypes.memset(addr, 2, n)
    t3 = time.perf_counter()
    del buf
    m.close()
    pop = f"populate {1e3 * (t1 - t0):5.0f} ms (user {1e3 * (u1 - u0):4.0f} sys {1e3 * (s1 - s0):4.0f}); " if populate else ""
    print(f"{tag:10s} {pop}first write {1e3 * (t2 - t1):5.0f} ms (user {1e3 * (u2 - u1):4.0f} sys {1e3 * (s2 - s1):4.0f}); "
          f"second write {1e3 * (t3 - t2):4.0f} ms; load {os.getloadavg()[0]:.1f}", flush=True)


def main():
    args = sys.argv[1:]
    rounds = 3
    if "--rounds" in args:
        i = args.index("--rounds")
        rounds = int(args[i + 1])
        del args[i:i + 2]
    n = (int(args[0]) if args else 358) << 20
    for r in range(rounds):
        print(f"round {r} {time.strftime('%H:%M:%S', time.gmtime())} UTC")
        time.sleep(4)
        one("huge", n, True, False)
        one("huge-again", n, True, False)
        time.sleep(4)
        one("huge-gap", n, True, False)
        time.sleep(4)
        one("small-pop", n, False, True)
        time.sleep(4)
        one("huge-pop", n, True, True)


if __name__ == "__main__":
    main()
