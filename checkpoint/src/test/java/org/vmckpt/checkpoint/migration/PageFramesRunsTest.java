package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol 13: a PAGES frame's table as runs, its data part in chunks of 64 pages, and frames of up to 512 data pages.
 * Any mix of pages round-trips exactly, whichever table the encoder picks; a bad runs table or data part is refused by
 * name.
 */
class PageFramesRunsTest {
    private static final int PAGE = 4096;
    private static final int GUEST_PAGES = 1 << 16;

    private static byte[] randomPage(SplittableRandom r) {
        byte[] p = new byte[PAGE];
        r.nextBytes(p);
        return p;
    }

    /** A page that compresses: a counter per 8-byte word. */
    private static byte[] patternedPage(int seed) {
        byte[] p = new byte[PAGE];
        for (int w = 0; w < PAGE / 8; w++) {
            long v = (long) seed << 20 | w;
            for (int b = 0; b < 8; b++) p[w * 8 + b] = (byte) (v >>> (8 * b));
        }
        return p;
    }

    /** One decoded page: its index and its bytes (null: zero). */
    private record Got(int index, byte[] data) { }

    private static List<Got> decode(PageFrames frames, byte[] payload, Map<Integer, byte[]> held) throws MigrationException {
        List<Got> got = new ArrayList<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), GUEST_PAGES, null, held::get, (i, d) -> got.add(new Got((int) i, d)));
        return got;
    }

    /**
     * A frame of random pages: runs of consecutive indices with gaps between, each page zero, incompressible data,
     * compressible data, or, where the destination holds a copy, a delta, a few changed words, or unchanged. At most
     * {@code maxData} pages carry data.
     */
    private static void roundTrip(long seed, boolean withWords, int maxData) throws Exception {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1 + r.nextInt(MigrationWire.MAX_PAGES_PER_FRAME);
        int[] index = new int[n];
        byte[][] data = new byte[n][];
        byte[][] base = new byte[n][];
        Map<Integer, byte[]> held = new HashMap<>();
        int at = r.nextInt(100);
        int units = 0;
        int k = 0;
        while (k < n && at < GUEST_PAGES) {
            int run = 1 + r.nextInt(r.nextBoolean() ? 4 : 600);
            int kind = r.nextInt(withWords ? 6 : 4); // without: zero, data or delta only (a table the runs can hold)
            for (int j = 0; j < run && k < n && at < GUEST_PAGES; j++, k++, at++) {
                index[k] = at;
                boolean data0 = kind != 0 && units < maxData;
                if (!data0) continue; // zero page
                units++;
                switch (kind) {
                    case 1 -> data[k] = randomPage(r);
                    case 2 -> data[k] = patternedPage(at);
                    case 3 -> { // delta: half the page rewritten
                        base[k] = randomPage(r);
                        data[k] = base[k].clone();
                        for (int b = 0; b < PAGE / 2; b++) data[k][b] ^= (byte) (1 + r.nextInt(255));
                    }
                    case 4 -> { // unchanged since the copy the destination holds
                        base[k] = patternedPage(at + 7);
                        data[k] = base[k].clone();
                    }
                    default -> { // a few words changed
                        base[k] = randomPage(r);
                        data[k] = base[k].clone();
                        for (int w = r.nextInt(MigrationWire.MAX_PAGE_WORDS + 1); w > 0; w--) data[k][r.nextInt(PAGE / 8) * 8 + r.nextInt(8)] ^= 0x5a;
                    }
                }
                if (base[k] != null) held.put(at, base[k]);
            }
            at += r.nextInt(r.nextBoolean() ? 2 : 5000);
        }
        n = k;
        byte[][] sent = data.clone();
        PageFrames source = new PageFrames();
        byte[] payload = source.encodePages(index, data, null, base, n);
        List<Got> got = decode(new PageFrames(), payload, held);
        assertEquals(n, got.size(), "seed " + seed);
        for (int x = 0; x < n; x++) {
            assertEquals(index[x], got.get(x).index(), "seed " + seed + " page " + x);
            if (sent[x] == null) assertNull(got.get(x).data(), "seed " + seed + " page " + x);
            else assertArrayEquals(sent[x], got.get(x).data(), "seed " + seed + " page " + x + " (index " + index[x] + ")");
        }
    }

    @Test
    void anyMixOfPagesRoundTripsExactly() throws Exception {
        for (long seed = 1; seed <= 24; seed++) {
            roundTrip(seed, seed % 2 == 0, seed % 3 == 0 ? MigrationWire.PAGES_PER_FRAME : MigrationWire.ROUND_PAGES_PER_FRAME);
        }
    }

    @Test
    void consecutiveDataPagesGoAsOneRunAndTheirDataInChunksOf64() throws Exception {
        SplittableRandom r = new SplittableRandom(5);
        int n = MigrationWire.ROUND_PAGES_PER_FRAME;
        int[] index = new int[n];
        byte[][] data = new byte[n][];
        for (int k = 0; k < n; k++) {
            index[k] = 20_000 + k;
            data[k] = randomPage(r);
        }
        byte[][] sent = data.clone();
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(index, data, n);
        assertEquals(PageFrames.RUNS, payload[4], "the table is one run");
        assertEquals(1, frames.runTables());
        // count, RUNS, 1 run: its gap (3 bytes for 20,000), kind, length (2 bytes for 512); then 8 chunks of 64 pages,
        // each stored (encoding, length, 256 KiB): a pack stores the same pages as 8 frames of 16-byte headers and 8-byte
        // index entries (192 bytes).
        assertEquals(4 + 1 + 1 + 3 + 1 + 2 + 8 * (1 + 4 + MigrationWire.DATA_CHUNK), payload.length);
        List<Got> got = decode(new PageFrames(), payload, Map.of());
        for (int k = 0; k < n; k++) assertArrayEquals(sent[k], got.get(k).data());
    }

    @Test
    void aFrameWithWordsKeepsItsPageByPageTable() throws Exception {
        byte[] before = patternedPage(3);
        byte[] after = before.clone();
        after[80] ^= 1;
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(new int[]{7, 8}, new byte[][]{patternedPage(9), after}, null, new byte[][]{null, before}, 2);
        assertTrue(payload[4] == 0 || payload[4] == 1, "encoding " + payload[4]);
        assertEquals(0, frames.runTables());
        assertEquals(1, frames.wordsPages());
        assertEquals(8, frames.wordBytes());
        List<Got> got = decode(new PageFrames(), payload, Map.of(8, before));
        assertArrayEquals(after, got.get(1).data());
    }

    /** A PAGES payload of {@code n} pages with the runs table {@code runs} (count first) and then {@code data} as it is. */
    private static byte[] framed(int n, long[] runs, byte[] data) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(n).u8(PageFrames.RUNS);
        w.varint(runs[0]);
        for (int x = 1; x < runs.length; x += 3) w.varint(runs[x]).u8((int) runs[x + 1]).varint(runs[x + 2]);
        w.raw(data, data.length);
        return w.toByteArray();
    }

    private static String refused(byte[] payload) {
        MigrationException e = assertThrows(MigrationException.class, () -> decode(new PageFrames(), payload, Map.of()));
        assertTrue(e.getMessage().contains("malformed PAGES"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aBadRunsTableIsRefusedByName() {
        byte[] none = new byte[0];
        // more runs than pages
        assertTrue(refused(framed(2, new long[]{3, 0, 0, 1, 0, 0, 1, 0, 0, 1}, none)).contains("3 runs for 2 pages"));
        // a run of references (kind 2 carries a reference in the table: runs cannot)
        assertTrue(refused(framed(2, new long[]{1, 0, MigrationWire.PAGE_SOURCE, 2}, none)).contains("page kind 2"));
        // a run of words (kind 5)
        assertTrue(refused(framed(2, new long[]{1, 0, MigrationWire.PAGE_WORDS, 2}, none)).contains("page kind 5"));
        // an empty run, and one longer than the frame
        assertTrue(refused(framed(2, new long[]{1, 0, 0, 0}, none)).contains("of 0 pages"));
        assertTrue(refused(framed(2, new long[]{1, 0, 0, 3}, none)).contains("of 3 pages"));
        // runs past the guest's end, by their gap or their length
        assertTrue(refused(framed(1, new long[]{1, GUEST_PAGES, 0, 1}, none)).contains("past the guest's"));
        assertTrue(refused(framed(2, new long[]{1, GUEST_PAGES - 1, 0, 2}, none)).contains("outside the guest's"));
        // runs that hold fewer pages than the frame lists
        assertTrue(refused(framed(3, new long[]{1, 0, 0, 2}, none)).contains("hold 2 pages, not 3"));
        // a gap that does not fit in 64 bits
        byte[] huge = new MigrationWire.PayloadWriter().i32(1).u8(PageFrames.RUNS).varint(1).varint(-1).u8(0).varint(1).toByteArray();
        refused(huge);
        // more pages than a frame may list
        refused(framed(MigrationWire.MAX_PAGES_PER_FRAME + 1, new long[]{1, 0, 0, MigrationWire.MAX_PAGES_PER_FRAME + 1}, none));
        // zero pages carry no data: a chunk after them is left over
        assertTrue(refused(framed(1, new long[]{1, 0, 0, 1}, new MigrationWire.PayloadWriter().u8(0).bytes(new byte[8], 8).toByteArray())).contains("left over"));
    }

    @Test
    void aDataPartThatDoesNotMatchItsTableIsRefusedByName() {
        // 65 data pages: more than one chunk may hold, in one stored chunk
        byte[] big = new MigrationWire.PayloadWriter().u8(0).bytes(new byte[65 * PAGE], 65 * PAGE).toByteArray();
        assertTrue(refused(framed(65, new long[]{1, 0, MigrationWire.PAGE_DATA, 65}, big)).contains("more than the " + MigrationWire.DATA_CHUNK));
        // 513 data pages: more than a frame holds
        assertTrue(refused(framed(513, new long[]{1, 0, MigrationWire.PAGE_DATA, 513}, new byte[0])).contains("more than 512 pages"));
        // a chunk that unpacks to nothing, and a frame whose chunks stop short
        byte[] empty = new MigrationWire.PayloadWriter().u8(0).bytes(new byte[0], 0).toByteArray();
        assertTrue(refused(framed(1, new long[]{1, 0, MigrationWire.PAGE_DATA, 1}, empty)).contains("unpacks to 0 bytes"));
        byte[] half = new MigrationWire.PayloadWriter().u8(0).bytes(new byte[PAGE], PAGE).toByteArray();
        assertTrue(refused(framed(2, new long[]{1, 0, MigrationWire.PAGE_DATA, 2}, half)).contains("too short"));
        // an unknown chunk encoding
        byte[] odd = new MigrationWire.PayloadWriter().u8(7).bytes(new byte[PAGE], PAGE).toByteArray();
        assertTrue(refused(framed(1, new long[]{1, 0, MigrationWire.PAGE_DATA, 1}, odd)).contains("unknown data encoding 7"));
    }
}
