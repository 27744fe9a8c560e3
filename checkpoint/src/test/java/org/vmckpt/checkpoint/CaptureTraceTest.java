package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The pause diagnostic's counts are the calling thread's own: faults it takes, times it sleeps. */
class CaptureTraceTest {
    @Test
    void countsTheCallingThreadsFaultsAndSleeps() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux /proc only");
        long[] before = CaptureTrace.threadCounts();
        before[4] = CaptureTrace.runQueueNanos();
        for (long c : before) assertTrue(c >= 0, "every count read: " + java.util.Arrays.toString(before));
        // 16 MiB of fresh native memory, zeroed by the allocation on this thread: thousands of first-touch faults.
        ByteBuffer fresh = ByteBuffer.allocateDirect(16 << 20);
        for (int i = 0; i < fresh.capacity(); i += 4096) fresh.put(i, (byte) 1);
        Thread.sleep(5);
        long[] after = CaptureTrace.threadCounts();
        after[4] = CaptureTrace.runQueueNanos();
        assertTrue(after[0] > before[0], "minor faults counted: " + before[0] + " -> " + after[0]);
        assertTrue(after[2] > before[2], "the sleep is a voluntary switch: " + before[2] + " -> " + after[2]);
        assertTrue(after[1] >= before[1] && after[3] >= before[3] && after[4] >= before[4], "counts never go back");
    }

    @Test
    void anotherThreadsFaultsAreNotCounted() throws Exception {
        assumeTrue(Files.exists(Path.of("/proc/thread-self/stat")), "Linux /proc only");
        long[] before = CaptureTrace.threadCounts();
        Thread t = new Thread(() -> {
            ByteBuffer fresh = ByteBuffer.allocateDirect(16 << 20);
            for (int i = 0; i < fresh.capacity(); i += 4096) fresh.put(i, (byte) 1);
        });
        t.start();
        t.join();
        long[] after = CaptureTrace.threadCounts();
        // 4,096 pages touched by the other thread; this one took at most a few faults of its own meanwhile.
        assertTrue(after[0] - before[0] < 512, "this thread's faults only: " + before[0] + " -> " + after[0]);
    }
}
