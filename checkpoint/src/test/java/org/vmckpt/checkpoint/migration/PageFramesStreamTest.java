package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Protocol 14: data chunks through the connection's zstd stream ({@link ChunkStream}). Frames streamed one after another
 * round-trip exactly through one destination instance, whatever mix of compressible, incompressible, delta and word
 * pages they hold; a chunk may refer to an earlier frame's bytes (so a page sent again at another index costs almost
 * nothing, which chunks compressed on their own cannot do); a stream chunk out of its place, or holding more than its
 * table names, is refused by name.
 */
class PageFramesStreamTest {
    private static final int PAGE = 4096;
    private static final int GUEST_PAGES = 1 << 16;

    /** A page of random nibbles: compresses to about half, and only against itself or a copy. */
    private static byte[] nibblePage(SplittableRandom r) {
        byte[] p = new byte[PAGE];
        for (int b = 0; b < PAGE; b++) p[b] = (byte) r.nextInt(16);
        return p;
    }

    private static byte[] randomPage(SplittableRandom r) {
        byte[] p = new byte[PAGE];
        r.nextBytes(p);
        return p;
    }

    private static byte[][] pages(SplittableRandom r, int n) {
        byte[][] out = new byte[n][];
        for (int k = 0; k < n; k++) out[k] = nibblePage(r);
        return out;
    }

    private static int[] indices(int first, int n) {
        int[] out = new int[n];
        for (int k = 0; k < n; k++) out[k] = first + k;
        return out;
    }

    private static Map<Integer, byte[]> decode(PageFrames frames, byte[] payload, Map<Integer, byte[]> held) throws MigrationException {
        Map<Integer, byte[]> got = new HashMap<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), GUEST_PAGES, null, held::get, (i, d) -> got.put((int) i, d));
        return got;
    }

    private static PageFrames streamingSource() {
        PageFrames f = new PageFrames();
        f.streamChunks(true);
        return f;
    }

    @Test
    void aPageSentAgainAtAnotherIndexCostsAlmostNothingThroughTheStream() throws Exception {
        byte[][] first = pages(new SplittableRandom(1), 64);
        for (boolean stream : new boolean[] {true, false}) {
            PageFrames source = stream ? streamingSource() : new PageFrames();
            PageFrames destination = new PageFrames();
            byte[] one = source.encodePages(indices(0, 64), first.clone(), 64);
            byte[] two = source.encodePages(indices(1000, 64), first.clone(), 64); // the same bytes, other pages
            Map<Integer, byte[]> held = new HashMap<>();
            held.putAll(decode(destination, one, held));
            Map<Integer, byte[]> got = decode(destination, two, held);
            for (int k = 0; k < 64; k++) assertArrayEquals(first[k], got.get(1000 + k), "page " + (1000 + k));
            if (stream) {
                assertTrue(two.length < 2048, "the second frame refers to the first's bytes: " + two.length + " bytes");
                assertEquals(2, source.streamChunks());
                assertEquals(2, destination.streamChunks());
            } else {
                assertTrue(two.length > 64 * PAGE / 3, "each chunk on its own: " + two.length + " bytes");
                assertEquals(0, source.streamChunks());
            }
        }
    }

    @Test
    void onceTheStreamHasCarriedItsBudgetChunksGoOnTheirOwnAndStillRoundTrip() throws Exception {
        byte[][] first = pages(new SplittableRandom(2), 64);
        PageFrames source = new PageFrames(true, 64 * PAGE); // one chunk's worth
        source.streamChunks(true);
        PageFrames destination = new PageFrames();
        byte[] one = source.encodePages(indices(0, 64), first.clone(), 64);
        byte[] two = source.encodePages(indices(1000, 64), first.clone(), 64);
        assertEquals(1, source.streamChunks(), "the first chunk only went through the stream");
        assertTrue(source.streamBudgetSpent());
        assertTrue(two.length > 64 * PAGE / 3, "the second chunk on its own, not referring to the first: " + two.length + " bytes");
        Map<Integer, byte[]> held = new HashMap<>(decode(destination, one, new HashMap<>()));
        Map<Integer, byte[]> got = decode(destination, two, held);
        for (int k = 0; k < 64; k++) assertArrayEquals(first[k], got.get(1000 + k), "page " + (1000 + k));
        assertEquals(1, destination.streamChunks());
    }

    @Test
    void framesOfEveryKindRoundTripThroughOneStream() throws Exception {
        for (long seed = 1; seed <= 6; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            PageFrames source = streamingSource();
            PageFrames destination = new PageFrames();
            Map<Integer, byte[]> sent = new HashMap<>(); // the source's last copy of each page (the deltas' bases)
            Map<Integer, byte[]> held = new HashMap<>(); // the destination's
            for (int frame = 0; frame < 40; frame++) {
                int n = 1 + r.nextInt(64);
                int first = r.nextInt(GUEST_PAGES - n);
                int[] index = indices(first, n);
                byte[][] data = new byte[n][];
                byte[][] base = new byte[n][];
                for (int k = 0; k < n; k++) {
                    byte[] before = sent.get(index[k]);
                    switch (r.nextInt(5)) {
                        case 0 -> data[k] = null;
                        case 1 -> data[k] = randomPage(r);
                        case 2 -> data[k] = nibblePage(r);
                        default -> {
                            if (before == null) {
                                data[k] = nibblePage(r);
                            } else { // a few words or half the page rewritten
                                data[k] = before.clone();
                                int changed = r.nextBoolean() ? 8 * (1 + r.nextInt(4)) : PAGE / 2;
                                for (int b = 0; b < changed; b++) data[k][r.nextInt(PAGE)] ^= (byte) (1 + r.nextInt(255));
                                base[k] = before;
                            }
                        }
                    }
                }
                byte[][] expected = data.clone();
                byte[] payload = source.encodePages(index, data, null, base, n);
                Map<Integer, byte[]> got = decode(destination, payload, held);
                for (int k = 0; k < n; k++) {
                    byte[] want = expected[k];
                    if (want == null) {
                        assertTrue(got.get(index[k]) == null, "seed " + seed + " frame " + frame + " page " + index[k] + " is zero");
                    } else {
                        assertArrayEquals(want, got.get(index[k]), "seed " + seed + " frame " + frame + " page " + index[k]);
                    }
                    sent.put(index[k], want);
                    held.put(index[k], got.get(index[k]));
                }
            }
            assertTrue(source.streamChunks() > 0, "seed " + seed + ": chunks went through the stream");
            assertEquals(source.streamChunks(), destination.streamChunks(), "seed " + seed);
        }
    }

    @Test
    void aStreamChunkOutOfItsPlaceIsRefusedByName() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        byte[][] first = pages(r, 64);
        PageFrames source = streamingSource();
        source.encodePages(indices(0, 64), first.clone(), 64);
        byte[] two = source.encodePages(indices(1000, 64), first.clone(), 64);
        // A destination that did not receive the first frame (a chunk lost, or frames reordered): not a crash, a refusal.
        MigrationException e = assertThrows(MigrationException.class, () -> decode(new PageFrames(), two, new HashMap<>()));
        assertTrue(e.getMessage().contains("PAGES") && e.getMessage().contains("stream"), e.getMessage());
    }

    @Test
    void aStreamChunkHoldingMoreThanItsTableNamesIsRefusedByName() throws Exception {
        byte[][] first = pages(new SplittableRandom(8), 64);
        PageFrames source = streamingSource();
        byte[] payload = source.encodePages(indices(0, 64), first.clone(), 64);
        // The same frame, its table naming one page fewer (its last page listed as zero): the chunk holds a page more.
        byte[][] fewer = first.clone();
        fewer[63] = null;
        byte[] table = new PageFrames().encodePages(indices(0, 64), fewer, 64);
        int tableEnd = tableEnd(table);
        byte[] forged = new byte[tableEnd + payload.length - tableEnd(payload)];
        System.arraycopy(table, 0, forged, 0, tableEnd);
        System.arraycopy(payload, tableEnd(payload), forged, tableEnd, payload.length - tableEnd(payload));
        MigrationException e = assertThrows(MigrationException.class, () -> decode(new PageFrames(), forged, new HashMap<>()));
        assertTrue(e.getMessage().contains("more than"), e.getMessage());
    }

    /** Where a PAGES payload's data part starts: after the count and the table (a runs table, as these frames' are). */
    private static int tableEnd(byte[] payload) throws MigrationException {
        MigrationWire.Payload p = new MigrationWire.Payload("PAGES", payload);
        int n = p.i32();
        int codec = p.u8();
        List<Long> ignored = new ArrayList<>();
        if (codec == PageFrames.RUNS) {
            long runs = p.varint();
            for (long r = 0; r < runs; r++) {
                ignored.add(p.varint());
                p.u8();
                ignored.add(p.varint());
            }
        } else {
            p.i32();
            p.skipBytes(MigrationWire.MAX_PAYLOAD, "table");
        }
        assertTrue(n > 0);
        return p.position();
    }
}
