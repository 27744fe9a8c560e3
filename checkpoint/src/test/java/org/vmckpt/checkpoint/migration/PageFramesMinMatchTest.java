package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** zstd's shortest match set by hand ({@code -Dvmckpt.migration.zstdMinMatch}): frames still decode to the pages sent. */
class PageFramesMinMatchTest {
    @Test
    void framesEncodedWithAnyMinMatchDecodeToThePagesSent() throws Exception {
        int n = 64;
        int[] index = new int[n];
        byte[][] pages = new byte[n][];
        for (int k = 0; k < n; k++) {
            index[k] = k;
            pages[k] = new byte[4096];
            for (int w = 0; w < 512; w++) { // memdirty-like: a counter per 8-byte word, some words rewritten
                long v = (w % 97 == k % 97) ? (long) w * 0x9e3779b97f4a7c15L : ((long) k << 12 | w) | Long.MIN_VALUE;
                for (int b = 0; b < 8; b++) pages[k][w * 8 + b] = (byte) (v >>> (8 * b));
            }
        }
        for (int minMatch : new int[]{0, 3, 5, 7}) {
            PageFrames frames = new PageFrames();
            frames.setMinMatch(minMatch);
            byte[] payload = frames.encodePages(index, pages, n);
            List<byte[]> got = new ArrayList<>();
            new PageFrames().decodePages(new MigrationWire.Payload("PAGES", payload), n, null, (i, d) -> got.add(d));
            assertEquals(n, got.size());
            for (int k = 0; k < n; k++) assertArrayEquals(pages[k], got.get(k), "page " + k + " with minMatch " + minMatch);
        }
    }
}
