package org.vmckpt.checkpoint.migration;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * What a switch-over allocated on the thread that runs it, and how many collections fell inside it: counts the host's
 * load does not change. Every byte allocated while the guest is paused brings the next young collection closer, and a
 * collection that falls inside the pause adds its whole length to the guest's stall (10-22 ms on the benchmark VM,
 * docs/BENCHMARKS.md runs 29 and 30), so the switch-over should allocate little (run 30: about 0.8 MB on each end for
 * the 1 GiB default guest, with no collection inside it in 12 of 12 migrations).
 */
final class SwitchAllocation {
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private SwitchAllocation() { }

    /** Bytes the calling thread has allocated so far (HotSpot's count; -1 where the JVM does not keep it). */
    static long allocatedByThisThread() {
        if (THREADS instanceof com.sun.management.ThreadMXBean t && t.isThreadAllocatedMemoryEnabled()) {
            return t.getCurrentThreadAllocatedBytes();
        }
        return -1;
    }

    /** Collections of every collector so far (young and full). */
    static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, gc.getCollectionCount());
        return n;
    }
}
