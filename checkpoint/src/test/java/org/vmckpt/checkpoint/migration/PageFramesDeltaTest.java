package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DELTA pages (protocol 4): a page sent again travels as the XOR with the copy sent before; the destination XORs
 * it into the copy it holds and gets the new page exactly. A page rewritten in one word costs a few bytes.
 */
class PageFramesDeltaTest {
    @Test
    void aDeltaRebuildsTheNewPageFromTheOldAndIsSmall() throws Exception {
        Random r = new Random(1);
        byte[] old = new byte[4096], fresh = new byte[4096], other = new byte[4096];
        r.nextBytes(old);
        r.nextBytes(other);
        System.arraycopy(old, 0, fresh, 0, 4096);
        fresh[100] ^= 0x5a; // one word rewritten, as memdirty does
        fresh[101] ^= 0x11;
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(new int[]{3, 4}, new byte[][]{fresh, other}, null, new byte[][]{old, null}, 2);
        assertTrue(payload.length < 4096 + 200, "the delta compresses to almost nothing: " + payload.length + " bytes for two pages");
        List<byte[]> got = new ArrayList<>();
        byte[][] held = new byte[8][];
        held[3] = old;
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), 8, null, i -> held[i], (i, d) -> got.add(d));
        assertArrayEquals(fresh, got.get(0));
        assertArrayEquals(other, got.get(1));
        assertArrayEquals(old, held[3], "the held copy is not changed in place");
        // Against a zero page (the destination holds none) the delta is the page itself.
        got.clear();
        frames.decodePages(new MigrationWire.Payload("PAGES", frames.encodePages(new int[]{5}, new byte[][]{fresh}, null, new byte[][]{new byte[4096]}, 1)),
                8, null, i -> null, (i, d) -> got.add(d));
        assertArrayEquals(fresh, got.get(0));
    }

    @Test
    void aDeltaWhereNoneIsExpectedIsRefusedByName() {
        PageFrames frames = new PageFrames();
        byte[] page = new byte[4096];
        page[0] = 1;
        byte[] payload = frames.encodePages(new int[]{2}, new byte[][]{page}, null, new byte[][]{new byte[4096]}, 1);
        MigrationException e = assertThrows(MigrationException.class,
                () -> frames.decodePages(new MigrationWire.Payload("PAGES", payload), 8, null, (i, d) -> { }));
        assertTrue(e.getMessage().contains("malformed PAGES") && e.getMessage().contains("delta"), e.getMessage());
    }

    @Test
    void aPageChangedInAFewWordsTravelsAsThoseWordsAndOneChangedInManyAsAnXor() throws Exception {
        Random r = new Random(2);
        byte[] old = new byte[4096];
        r.nextBytes(old);
        byte[] fewWords = old.clone();
        fewWords[8 * 7 + 3] ^= 0x5a; // word 7
        fewWords[8 * 511] ^= 0x01; // the last word
        byte[] manyWords = old.clone();
        for (int w = 0; w < 40; w++) manyWords[w * 64] ^= 0x33; // 40 words: more than a PAGE_WORDS page lists
        byte[] same = old.clone();
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(new int[]{1, 2, 3}, new byte[][]{fewWords, manyWords, same}, null,
                new byte[][]{old, old, old}, 3);
        byte[] held = old.clone();
        List<byte[]> got = new ArrayList<>();
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), 8, null, i -> held, (i, d) -> got.add(d));
        assertArrayEquals(fewWords, got.get(0));
        assertArrayEquals(manyWords, got.get(1));
        assertArrayEquals(same, got.get(2));
        assertArrayEquals(old, held, "the held copy is not changed in place");
        // Two words of one page and nothing of another: a table and 16 bytes of data, not a compressed page.
        byte[] small = frames.encodePages(new int[]{1, 3}, new byte[][]{fewWords, same}, null, new byte[][]{old, old}, 2);
        assertTrue(small.length < 64, small.length + " bytes");
    }

    @Test
    void aWordsPageListingAWordPastThePageIsRefusedByName() {
        MigrationWire.PayloadWriter table = new MigrationWire.PayloadWriter().zigzag(0).u8(MigrationWire.PAGE_WORDS).zigzag(1).zigzag(512);
        byte[] t = table.toByteArray();
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(1).u8(0).i32(t.length).bytes(t).u8(0).bytes(new byte[8]);
        PageFrames frames = new PageFrames();
        MigrationException e = assertThrows(MigrationException.class,
                () -> frames.decodePages(new MigrationWire.Payload("PAGES", w.toByteArray()), 8, null, i -> null, (i, d) -> { }));
        assertTrue(e.getMessage().contains("malformed PAGES") && e.getMessage().contains("word 512"), e.getMessage());
    }

    /**
     * A destination filling a machine that does not run decodes pages sent again into the arrays it holds (no new
     * array per page, which the collector would copy into the old generation): words, XOR deltas and whole pages land
     * in the held array, which is what the consumer gets; a page held as zero (no array) still gets a new one.
     */
    @Test
    void inPlacePagesSentAgainAreWrittenIntoTheArraysHeld() throws Exception {
        Random r = new Random(3);
        byte[] old = new byte[4096];
        r.nextBytes(old);
        byte[] fewWords = old.clone();
        fewWords[8 * 9] ^= 0x21;
        byte[] manyWords = old.clone();
        for (int w = 0; w < 40; w++) manyWords[w * 64 + 1] ^= 0x44;
        byte[] whole = new byte[4096];
        r.nextBytes(whole);
        byte[] fromZero = new byte[4096];
        fromZero[7] = 9;
        PageFrames frames = new PageFrames();
        byte[] payload = frames.encodePages(new int[]{1, 2, 3, 4}, new byte[][]{fewWords, manyWords, whole, fromZero}, null,
                new byte[][]{old, old, null, new byte[4096]}, 4);
        byte[][] held = {null, old.clone(), old.clone(), old.clone(), null};
        byte[][] heldBefore = held.clone();
        byte[][] got = new byte[5][];
        frames.decodePages(new MigrationWire.Payload("PAGES", payload), 5, null, i -> held[i], true,
                (PageFrames.PageConsumer) (i, d, o) -> got[i] = d);
        assertArrayEquals(fewWords, got[1]);
        assertArrayEquals(manyWords, got[2]);
        assertArrayEquals(whole, got[3]);
        assertArrayEquals(fromZero, got[4]);
        for (int i = 1; i <= 3; i++) assertSame(heldBefore[i], got[i], "page " + i + " was written into the array held");
        assertNotNull(got[4]);
    }
}
