package org.vmckpt.checkpoint;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/**
 * The garbage collector's stop-the-world pauses, as the JVM reports them after each collection, kept in a small
 * ring so a checkpoint can tell how many pauses fell inside it, their total and the longest (the guest's thread
 * stops for each: guest RAM lives on the Java heap). Concurrent cycles (ZGC's and Shenandoah's "Cycles", G1's
 * concurrent marking) are not pauses and are left out; their pauses are reported by their own beans.
 * Times have the JVM's millisecond resolution.
 */
final class GcPauses {
    /** A window's pauses: how many, their total and the longest, in nanoseconds. */
    record Summary(long count, long totalNanos, long maxNanos) { }

    private static final int RING = 256;
    private static final long[] startMs = new long[RING];
    private static final long[] durationMs = new long[RING];
    private static long recorded;
    private static boolean listening;

    private GcPauses() { }

    /** Starts listening (once per JVM); pauses before this call are not known. */
    static synchronized void listen() {
        if (listening) return;
        listening = true;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String name = gc.getName();
            if (name.contains("Cycles") || name.contains("Concurrent")) continue; // concurrent work, not pauses
            if (!(gc instanceof NotificationEmitter emitter)) continue;
            emitter.addNotificationListener((n, handback) -> {
                if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                record(info.getGcInfo().getStartTime(), info.getGcInfo().getDuration());
            }, null, null);
        }
    }

    private static synchronized void record(long start, long duration) {
        int slot = (int) (recorded++ % RING);
        startMs[slot] = start;
        durationMs[slot] = duration;
    }

    /** The JVM's uptime in milliseconds: the clock pause times are given in. */
    static long nowMs() {
        return ManagementFactory.getRuntimeMXBean().getUptime();
    }

    /** Pauses that started at or after {@code fromMs} (JVM uptime, from {@link #nowMs}) and were reported by now. */
    static synchronized Summary since(long fromMs) {
        long count = 0, total = 0, max = 0;
        for (long i = Math.max(0, recorded - RING); i < recorded; i++) {
            int slot = (int) (i % RING);
            if (startMs[slot] < fromMs) continue;
            count++;
            total += durationMs[slot];
            max = Math.max(max, durationMs[slot]);
        }
        return new Summary(count, total * 1_000_000, max * 1_000_000);
    }
}
