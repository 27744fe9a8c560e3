package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Copy-on-write spares (used while a migration runs, and outside one with recycling, here turned off): a write to a frozen page copies it into a spare array instead
 * of a new one, the frozen view keeps the original, and the spares are used only while enabled, first in first out,
 * never more than the ring holds.
 */
class SparePagesTest {
    private static final long BASE = 0x8000_0000L;

    @Test
    void copyOnWriteCopiesIntoASpareWhileEnabled() {
        GuestMemory m = new GuestMemory(BASE, 64L * GuestMemory.PAGE_SIZE);
        m.spares().setRecycling(false); // (on by default: spares outside migrations too; RecycleFrozenPagesTest)
        m.write64(BASE + 8, 0x1122334455667788L);
        FrozenMemory view = m.freeze();
        byte[] original = view.page(0);
        byte[] spare = new byte[GuestMemory.PAGE_SIZE];
        java.util.Arrays.fill(spare, (byte) 0x5a); // garbage: the copy must overwrite all of it
        assertTrue(m.spares().give(spare));
        m.write64(BASE + 16, 42); // not enabled: an ordinary copy
        assertNotSame(spare, m.peekPage(0));
        assertEquals(0, m.spares().taken());
        view.release();

        view = m.freeze();
        original = view.page(0);
        m.spares().setEnabled(true);
        m.write64(BASE + 24, 7);
        assertSame(spare, m.peekPage(0), "the write copied the frozen page into the spare");
        assertEquals(1, m.spares().taken());
        assertEquals(0x1122334455667788L, m.read64(BASE + 8));
        assertEquals(42, m.read64(BASE + 16));
        assertEquals(7, m.read64(BASE + 24));
        assertEquals(0, m.read64(BASE + 32), "the spare's old bytes are gone");
        assertSame(original, view.page(0), "the frozen view keeps its page");
        assertEquals(0, original[24], "the frozen page is untouched");
        m.write64(BASE + 4096, 1); // no spare left: a new array
        assertEquals(1, m.spares().taken());
        view.release();
    }

    @Test
    void theRingIsBoundedAndFirstInFirstOut() {
        SparePages s = new SparePages(3, false);
        assertNull(s.take(), "disabled");
        s.setEnabled(true);
        assertNull(s.take(), "empty");
        byte[] a = new byte[GuestMemory.PAGE_SIZE], b = new byte[GuestMemory.PAGE_SIZE], c = new byte[GuestMemory.PAGE_SIZE];
        assertTrue(s.give(a));
        assertTrue(s.give(b));
        assertTrue(s.give(c));
        assertFalse(s.give(new byte[GuestMemory.PAGE_SIZE]), "full");
        assertFalse(s.give(new byte[100]), "not a page");
        assertSame(a, s.take());
        assertTrue(s.give(a));
        assertSame(b, s.take());
        assertSame(c, s.take());
        assertSame(a, s.take());
        assertNull(s.take());
        assertEquals(2, s.fill(2));
        assertEquals(2, s.size());
        assertEquals(1, s.fill(5), "up to the capacity");
        assertEquals(3, s.size());
    }
}
