package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A migration's data frames with {@link org.vmckpt.checkpoint.store.IncompressibleRun}: frames of random pages are
 * stored on their sample's word after the first and still decode to the pages sent; memdirty-like frames, and
 * compressible frames after random ones, are byte for byte those of the switch off.
 */
class PageFramesIncompressibleTest {
    private static final int N = MigrationWire.PAGES_PER_FRAME;

    private static byte[][] randomPages(SplittableRandom r) {
        byte[][] pages = new byte[N][4096];
        for (byte[] p : pages) r.nextBytes(p);
        return pages;
    }

    /** memdirty's pages: a counter per 8-byte word, some words rewritten. */
    private static byte[][] memdirtyPages(int seed) {
        byte[][] pages = new byte[N][4096];
        for (int k = 0; k < N; k++) {
            for (int w = 0; w < 512; w++) {
                long v = (w % 97 == (k + seed) % 97) ? (long) w * 0x9e3779b97f4a7c15L : ((long) (k + seed) << 12 | w) | Long.MIN_VALUE;
                for (int b = 0; b < 8; b++) pages[k][w * 8 + b] = (byte) (v >>> (8 * b));
            }
        }
        return pages;
    }

    private static int[] indices(int frame) {
        int[] index = new int[N];
        for (int k = 0; k < N; k++) index[k] = frame * N + k;
        return index;
    }

    @Test
    void framesOfRandomPagesRoundTripAndAreStoredOnTheirSample() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        int frameCount = 6;
        PageFrames source = new PageFrames(true);
        PageFrames destination = new PageFrames();
        for (int f = 0; f < frameCount; f++) {
            byte[][] pages = randomPages(r);
            byte[] payload = source.encodePages(indices(f), pages, N);
            List<byte[]> got = new ArrayList<>();
            List<Long> at = new ArrayList<>();
            destination.decodePages(new MigrationWire.Payload("PAGES", payload), frameCount * N, null, (i, d) -> {
                at.add(i);
                got.add(d);
            });
            assertEquals(N, got.size());
            for (int k = 0; k < N; k++) {
                assertEquals(f * N + k, at.get(k));
                assertArrayEquals(pages[k], got.get(k), "frame " + f + " page " + k);
            }
        }
        assertEquals(frameCount - 1, source.storedOnSample());
    }

    @Test
    void memdirtyFramesAreTheSameWithTheSwitchOnAndOff() {
        SplittableRandom r = new SplittableRandom(12);
        PageFrames on = new PageFrames(true);
        PageFrames off = new PageFrames(false);
        for (int f = 0; f < 8; f++) {
            // memdirty-like frames, and some after a run of random ones (the run must end at the first that compresses)
            byte[][] pages = f % 4 == 1 || f % 4 == 2 ? randomPages(r) : memdirtyPages(f);
            for (int level : new int[]{1, 3}) {
                on.setLevel(level);
                off.setLevel(level);
                assertArrayEquals(off.encodePages(indices(f), pages, N), on.encodePages(indices(f), pages, N), "frame " + f + " level " + level);
            }
        }
        assertEquals(0, off.storedOnSample());
        assertTrue(on.storedOnSample() > 0);
    }
}
