package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Freezes after a release (each copies the table of chunks, sharing the chunks until the guest changes one): each
 * view still shows memory exactly as it was at its own freeze, an earlier released view keeps its contents (its
 * arrays stay valid for whoever still holds them), and copy-on-write works on every view.
 */
class RepeatedFreezeTest {
    @Test
    void everyFreezeShowsItsOwnInstant() {
        GuestMemory m = new GuestMemory(0x8000_0000L, 64 * GuestMemory.PAGE_SIZE);
        long a = 0x8000_0000L, b = a + 5 * GuestMemory.PAGE_SIZE;
        FrozenMemory[] views = new FrozenMemory[4];
        for (int round = 0; round < views.length; round++) {
            m.write64(a, round);
            if (round == 2) m.discardPage(5); else m.write64(b, 100 + round);
            views[round] = m.freeze();
            m.write64(a, -1); // copy-on-write: the view keeps the value at its freeze
            m.write64(b, -1);
            assertEquals(round, longAt(views[round], 0));
            views[round].release();
        }
        for (int round = 0; round < views.length; round++) {
            assertEquals(round, longAt(views[round], 0), "view " + round);
            if (round == 2) assertNull(views[round].page(5), "discarded before view 2");
            else assertEquals(100 + round, longAt(views[round], 5), "view " + round);
        }
    }

    private static long longAt(FrozenMemory v, int page) {
        byte[] p = v.page(page);
        long x = 0;
        for (int i = 7; i >= 0; i--) x = x << 8 | (p[i] & 0xff);
        return x;
    }
}
