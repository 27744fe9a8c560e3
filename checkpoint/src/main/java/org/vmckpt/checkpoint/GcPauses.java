package org.vmckpt.checkpoint;

import com.sun.management.GarbageCollectionNotificationInfo;

import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The garbage collector's stop-the-world pauses between two points of a checkpoint (the guest's thread stops for
 * each: guest RAM lives on the Java heap). How many and their total come from the collectors' own counters, read
 * at both points, so they are exact; the longest comes from the per-collection reports the JVM sends a little
 * later, matched by collection number (if one has not arrived yet, the longest is taken as the total when there
 * was one pause, else as the longest that did arrive). Concurrent cycles (ZGC's and Shenandoah's "Cycles") are
 * not pauses and are left out: those collectors report their pauses on their own "Pauses" beans. The JVM counts
 * in milliseconds.
 */
final class GcPauses {
    /** A window's pauses: how many, their total and the longest, in nanoseconds. */
    record Summary(long count, long totalNanos, long maxNanos) { }

    /** Where the counters stood at the start of a window. */
    record Mark(long[] counts, long[] millis) { }

    private static final int RING = 256;
    private static final List<GarbageCollectorMXBean> BEANS = new ArrayList<>();
    private static final int[] ringBean = new int[RING];
    private static final long[] ringId = new long[RING];
    private static final long[] ringDurationMs = new long[RING];
    private static long recorded;

    static {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            String name = gc.getName();
            if (name.contains("Cycles") || name.contains("Concurrent")) continue; // concurrent work, not pauses
            BEANS.add(gc);
        }
    }

    private static boolean listening;

    private GcPauses() { }

    /**
     * Starts taking the per-collection reports that give a window's longest pause (call early so later pauses are all
     * reported; once is enough). Counts and totals ({@link #mark}, {@link #since}) need none. Not at a class's first
     * use: with a listener the JVM builds a report of every collection for the JMX notification thread (the pools'
     * usage as open data), which on a cold JVM cost that thread 8-37 ms of CPU in a lazily restored guest's first
     * output window (default guest, load 10-20, 10 restores; CheckpointEngine waits for the lazy load).
     */
    static synchronized void listen() {
        if (listening) return;
        listening = true;
        for (int index = 0; index < BEANS.size(); index++) {
            if (BEANS.get(index) instanceof NotificationEmitter emitter) {
                int bean = index;
                emitter.addNotificationListener((n, handback) -> {
                    if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) return;
                    GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                    record(bean, info.getGcInfo().getId(), info.getGcInfo().getDuration());
                }, null, null);
            }
        }
    }

    /** Whether {@link #listen} ran (tests). */
    static synchronized boolean listening() {
        return listening;
    }

    private static synchronized void record(int bean, long id, long durationMs) {
        int slot = (int) (recorded++ % RING);
        ringBean[slot] = bean;
        ringId[slot] = id;
        ringDurationMs[slot] = durationMs;
    }

    /** The collectors' counters now: the start of a window. */
    static Mark mark() {
        long[] counts = new long[BEANS.size()];
        long[] millis = new long[BEANS.size()];
        for (int b = 0; b < counts.length; b++) {
            counts[b] = BEANS.get(b).getCollectionCount();
            millis[b] = BEANS.get(b).getCollectionTime();
        }
        return new Mark(counts, millis);
    }

    /** The pauses from {@code start} until now. */
    static Summary since(Mark start) {
        long count = 0, totalMs = 0, maxMs = 0;
        long[] endCounts = new long[BEANS.size()];
        for (int b = 0; b < endCounts.length; b++) {
            endCounts[b] = BEANS.get(b).getCollectionCount();
            count += Math.max(0, endCounts[b] - start.counts()[b]);
            totalMs += Math.max(0, BEANS.get(b).getCollectionTime() - start.millis()[b]);
        }
        synchronized (GcPauses.class) {
            for (long i = Math.max(0, recorded - RING); i < recorded; i++) {
                int slot = (int) (i % RING);
                int b = ringBean[slot];
                if (ringId[slot] > start.counts()[b] && ringId[slot] <= endCounts[b]) maxMs = Math.max(maxMs, ringDurationMs[slot]);
            }
        }
        if (count == 1) maxMs = totalMs;
        return new Summary(count, totalMs * 1_000_000, Math.min(maxMs, totalMs) * 1_000_000);
    }
}
