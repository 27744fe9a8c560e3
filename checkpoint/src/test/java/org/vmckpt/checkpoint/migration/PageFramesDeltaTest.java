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
}
