package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Mmu#tagAt} and {@link Mmu#pageAt}, the hot tier's TLB reads without bounds checks: every index of a TLB with
 * filled, empty and dropped entries reads what the arrays hold (a wrong base offset or element scale would read a
 * neighbour, a header or a half of an element).
 */
class TlbUncheckedReadTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void everyEntryReadsWhatTheArraysHold() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 4 << 20)), () -> 0);
        Mmu m = h.mmu;
        for (long va = BASE; va < BASE + (4 << 20); va += 4096 * 3) {
            m.load8(va);             // read entries (the even pages of the stride)
            if ((va & 0x2000) != 0) m.store8(va + 1, 7); // and some write entries
        }
        m.flushTlbPage(BASE + 4096 * 3); // a dropped entry: tag -1, no page
        int filled = 0;
        for (long[] tags : new long[][] {m.rTag, m.wTag}) {
            for (int i = 0; i < Hart.TLB_SIZE; i++) assertEquals(tags[i], Mmu.tagAt(tags, i), "tag " + i);
        }
        for (byte[][] pages : new byte[][][] {m.rPage, m.wPage}) {
            for (int i = 0; i < Hart.TLB_SIZE; i++) {
                assertTrue(pages[i] == Mmu.pageAt(pages, i), "page " + i);
                if (pages[i] != null) filled++;
            }
        }
        assertTrue(filled > 100, "entries filled: " + filled);
        assertEquals(-1, Mmu.tagAt(m.rTag, 3), "the dropped entry");
        assertNull(Mmu.pageAt(m.rPage, 3), "the dropped entry's page");
    }
}
