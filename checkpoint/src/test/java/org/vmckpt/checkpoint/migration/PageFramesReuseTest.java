package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The source encodes every PAGES frame into one buffer of its own (PageFrames.encodePagesShared): a frame built after a
 * larger one carries nothing of it, each decodes to what was sent, and encoding allocates nothing once the buffer has
 * grown (the per-frame copies filled the source's young generation during a migration: docs/BENCHMARKS.md run 19).
 */
class PageFramesReuseTest {
    private static final int N = MigrationWire.PAGES_PER_FRAME;

    private static byte[][] randomPages(Random r, int n) {
        byte[][] data = new byte[n][];
        for (int k = 0; k < n; k++) {
            data[k] = new byte[4096];
            r.nextBytes(data[k]); // incompressible: the largest frame there is
        }
        return data;
    }

    private static int[] indices(int from, int n) {
        int[] index = new int[n];
        for (int k = 0; k < n; k++) index[k] = from + k;
        return index;
    }

    @Test
    void aFrameAfterALargerOneIsExactlyWhatAFreshEncoderMakes() throws Exception {
        PageFrames shared = new PageFrames();
        Random r = new Random(12);
        byte[][] big = randomPages(r, N);
        MigrationWire.PayloadWriter w = shared.encodePagesShared(indices(0, N), big.clone(), null, null, null, N);
        assertTrue(w.length() > N * 4096, "a frame of random pages is stored whole: " + w.length());
        byte[] bigPayload = Arrays.copyOf(w.array(), w.length());

        byte[] small = new byte[4096];
        small[100] = 7;
        byte[][] smallData = {small, null};
        w = shared.encodePagesShared(new int[]{5, 9}, smallData.clone(), null, null, null, 2);
        byte[] got = Arrays.copyOf(w.array(), w.length());
        byte[] fresh = new PageFrames().encodePages(new int[]{5, 9}, smallData.clone(), 2);
        assertArrayEquals(fresh, got, "the second frame holds nothing of the first");

        byte[][] back = new byte[16][];
        new PageFrames().decodePages(new MigrationWire.Payload("PAGES", got), 16, null, (i, d) -> back[(int) i] = d);
        assertArrayEquals(small, back[5]);
        assertTrue(back[9] == null, "a zero page");
        byte[][] first = new byte[N][];
        new PageFrames().decodePages(new MigrationWire.Payload("PAGES", bigPayload), N, null, (i, d) -> first[(int) i] = d);
        for (int k = 0; k < N; k++) assertArrayEquals(big[k], first[k]);
    }

    @Test
    void encodingFrameAfterFrameAllocatesNothingOnceTheBufferHasGrown() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        PageFrames shared = new PageFrames();
        Random r = new Random(7);
        byte[][] pages = randomPages(r, N);
        int[] index = indices(0, N);
        byte[][] data = new byte[N][];
        long[] ref = new long[N];
        Arrays.fill(ref, -1);
        for (int warm = 0; warm < 5; warm++) {
            System.arraycopy(pages, 0, data, 0, N);
            shared.encodePagesShared(index, data, ref, null, null, N);
        }
        long id = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(id);
        int frames = 200;
        long payloadBytes = 0;
        for (int f = 0; f < frames; f++) {
            System.arraycopy(pages, 0, data, 0, N);
            payloadBytes += shared.encodePagesShared(index, data, ref, null, null, N).length();
        }
        long allocated = threads.getThreadAllocatedBytes(id) - before;
        // A fresh payload per frame (encodePages) allocates at least the frame itself each time: 200 x 256 KiB here.
        assertTrue(allocated < payloadBytes / 100, allocated + " bytes allocated for " + frames + " frames of " + payloadBytes + " bytes");
    }
}
