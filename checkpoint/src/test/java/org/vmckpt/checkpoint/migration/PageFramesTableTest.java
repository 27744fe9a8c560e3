package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Protocol 6: a PAGES frame's page table travels compressed with its data, and a damaged one is refused by name. */
class PageFramesTableTest {
    private static final int N = MigrationWire.PAGES_PER_FRAME;

    @Test
    void aFrameOfZeroPagesCostsFarLessThanItsTable() {
        PageFrames frames = new PageFrames();
        int[] index = new int[N];
        byte[][] data = new byte[N][];
        for (int k = 0; k < N; k++) index[k] = 1000 + k;
        byte[] payload = frames.encodePages(index, data, N);
        // Protocol 5 sent the table as it is: 5 bytes a page, 320 here (and 13 for a reference).
        assertTrue(payload.length < N * 5 / 4, "a table of 64 consecutive zero pages takes " + payload.length + " bytes");
    }

    @Test
    void pagesAndTheirTableRoundTrip() throws Exception {
        PageFrames frames = new PageFrames();
        int[] index = new int[N];
        byte[][] data = new byte[N][];
        for (int k = 0; k < N; k++) {
            index[k] = 3 * k;
            if (k % 3 != 0) {
                data[k] = new byte[4096];
                for (int j = 0; j < 4096; j += 8) data[k][j] = (byte) (k + j);
            }
        }
        byte[][] sent = data.clone();
        byte[] payload = frames.encodePages(index, data, N);
        List<Long> got = new ArrayList<>();
        List<byte[]> pages = new ArrayList<>();
        new PageFrames().decodePages(new MigrationWire.Payload("PAGES", payload), 3 * N, null, (i, d) -> { got.add(i); pages.add(d); });
        assertEquals(N, got.size());
        for (int k = 0; k < N; k++) {
            assertEquals(index[k], got.get(k).longValue());
            if (sent[k] == null) assertEquals(null, pages.get(k));
            else assertArrayEquals(sent[k], pages.get(k));
        }
    }

    @Test
    void aTableThatClaimsMoreThanTheFrameHoldsIsRefusedByName() {
        PageFrames frames = new PageFrames();
        // Two references: a page-by-page table (runs hold only zero, data and delta pages)
        byte[] payload = frames.encodePages(new int[]{1, 2}, new byte[][]{new byte[4096], new byte[4096]}, new long[]{0, 8}, null, 2);
        assertTrue(payload[4] == 0 || payload[4] == 1, "a page-by-page table's encoding, not " + payload[4]);
        // count 2, codec, then the table length: claim 2 bytes more than were packed
        int at = 4 + 1;
        int length = ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        payload[at + 3] = (byte) (length + 2);
        MigrationException e = assertThrows(MigrationException.class,
                () -> frames.decodePages(new MigrationWire.Payload("PAGES", payload), 8, null, (i, d) -> { }));
        assertTrue(e.getMessage().contains("malformed PAGES"), e.getMessage());
    }
}
