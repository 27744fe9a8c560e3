package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

class YoungGenerationTest {
    @Test
    void collectRunsAYoungCollection() {
        long before = collections();
        assertTrue(new YoungGeneration().collect(), "the young generation was collected");
        assertTrue(collections() > before, "the collector counted a collection");
    }

    @Test
    void aNearlyEmptyEdenIsLeftAlone() {
        YoungGeneration y = new YoungGeneration();
        assertTrue(y.collect());
        long before = collections();
        // Right after a collection eden holds almost nothing: not worth another one.
        assertTrue(!y.collectIfWorthIt() && collections() == before, "no collection of a nearly empty eden");
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean b : ManagementFactory.getGarbageCollectorMXBeans()) n += Math.max(0, b.getCollectionCount());
        return n;
    }
}
