package org.vmckpt.checkpoint.migration;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;

/**
 * Empties the collector's young generation on request, by allocating short-lived garbage until its next collection
 * has run. A migration's destination does this after each pre-copy round, before it confirms the round (SYNCED):
 * every page that arrives is a new array in the young generation, so at the switch-over the young generation was
 * partly full of them, and the first allocations after GO (the post-copy pages, the session's set-up) started a
 * collection that copied them while the guest had just begun to run here: 12-47 ms at load 10-13 (run 11). The
 * collection is the one the next allocations would have started anyway (the pages are copied once either way); it
 * now runs while the source's guest still runs there and the source waits for SYNCED; and only if eden is at least a
 * quarter full (collecting at every round raised the destination's stop-the-world total to 1.0-2.1 s from main's
 * 0.7-1.4 s in run 11, at load 8-16).
 */
final class YoungGeneration {
    /** At least this much garbage may be allocated (the launcher's young generation is 16 MiB); else twice eden's size. */
    private static final long MIN_GARBAGE = 64 << 20;
    private static final int CHUNK = 64 << 10;

    /** The young generation's collector (the parallel collector's "PS Scavenge"), or null if none is known. */
    private final GarbageCollectorMXBean young;
    /** Its eden (where new arrays go), or null: then every request collects. */
    private final MemoryPoolMXBean eden;
    /** Where the garbage goes, so that the allocations are not optimized away. */
    private static volatile byte[] sink;

    /** Looks the collector up (milliseconds on a cold JVM: make it before the migration begins). */
    YoungGeneration() {
        GarbageCollectorMXBean found = null;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) {
            String n = b.getName();
            if (n.equals("PS Scavenge") || n.equals("G1 Young Generation") || n.equals("Copy") || n.equals("ParNew")) found = b;
        }
        young = found;
        MemoryPoolMXBean e = null;
        if (found != null) {
            for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getName().contains("Eden") && java.util.Arrays.asList(found.getMemoryPoolNames()).contains(pool.getName())) e = pool;
            }
        }
        eden = e;
    }

    /**
     * Collects (as {@link #collect}) only if eden is at least a quarter full: a young generation nearly empty already
     * is not worth a collection (each one costs the source a wait for SYNCED).
     */
    boolean collectIfWorthIt() {
        if (eden != null) {
            java.lang.management.MemoryUsage u = eden.getUsage();
            long size = edenSize(u);
            if (size <= 0 || u.getUsed() < size / 4) return false;
        }
        return collect();
    }

    /** Eden's size: its maximum, or (a collector that sizes it as it goes) what is committed now. */
    private static long edenSize(java.lang.management.MemoryUsage u) {
        return u.getMax() > 0 ? u.getMax() : u.getCommitted();
    }

    /** Allocates until the young generation has been collected once (bounded); returns whether it was. */
    boolean collect() {
        if (young == null) return false;
        long before = young.getCollectionCount();
        long limit = eden == null ? MIN_GARBAGE : Math.max(MIN_GARBAGE, 2 * edenSize(eden.getUsage()));
        for (long allocated = 0; allocated < limit; allocated += CHUNK) {
            sink = new byte[CHUNK];
            if (young.getCollectionCount() != before) {
                sink = null;
                return true;
            }
        }
        sink = null;
        return false;
    }
}
