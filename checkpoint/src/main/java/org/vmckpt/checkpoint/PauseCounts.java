package org.vmckpt.checkpoint;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * Two counts read on either side of a capture's pause ({@link MachineCapture#take}), stored with the checkpoint: the
 * bytes the capturing thread allocated, and the collections that ran. A collection inside the pause stops the guest for
 * its whole length (2-5 ms on the benchmark VM against a 0.3 ms capture); an allocation inside the pause is what makes
 * one start there (round 67). Reading them allocates nothing (the collectors' beans are looked up once).
 */
final class PauseCounts {
    private static final java.lang.management.ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final GarbageCollectorMXBean[] COLLECTORS =
            ManagementFactory.getGarbageCollectorMXBeans().toArray(new GarbageCollectorMXBean[0]);

    private PauseCounts() { }

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
        for (GarbageCollectorMXBean gc : COLLECTORS) n += Math.max(0, gc.getCollectionCount());
        return n;
    }
}
