package org.vmckpt.machine.cpu;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The current thread's CPU time, for the translator's statistics. The JVM's thread bean is fetched on first use,
 * by the thread that first translates, instead of when the classes that time translation are initialised on the
 * guest's way to its first instruction.
 */
final class CpuClock {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private CpuClock() { }

    static long threadNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }
}
