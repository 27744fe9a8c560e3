package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * After a freeze, the frozen view tells the order in which the guest first wrote pages since (each page once, the
 * page's first write in the epoch), whether or not the page was frozen (copy-on-write) or never touched; reads do
 * not count; once the epoch ends (another freeze, or a new dirty log) the older view tells nothing.
 */
class WriteOrderLogTest {
    @Test
    void theViewListsTheFirstWritesSinceItsFreezeInOrder() {
        GuestMemory mem = new GuestMemory(0x8000_0000L, 64 * GuestMemory.PAGE_SIZE);
        for (int i = 0; i < 8; i++) mem.pageForWrite(i)[0] = 1; // before the freeze: not listed
        FrozenMemory view = mem.freeze();
        assertEquals(0, view.writeOrderSince().length);
        mem.pageForWrite(5)[1] = 2;  // frozen: copied on write
        mem.pageForRead(6);          // a read: not listed
        mem.pageForWrite(40)[1] = 2; // never touched
        mem.pageForWrite(5)[2] = 3;  // again: listed once
        mem.pageForWrite(2)[1] = 2;
        assertArrayEquals(new int[] {5, 40, 2}, view.writeOrderSince());
        view.release();
        mem.pageForWrite(7)[1] = 2;  // the epoch goes on after the view's release
        assertArrayEquals(new int[] {5, 40, 2, 7}, view.writeOrderSince());
        FrozenMemory next = mem.freeze();
        assertEquals(0, view.writeOrderSince().length, "the older view's epoch ended");
        mem.pageForWrite(40)[3] = 4;
        assertArrayEquals(new int[] {40}, next.writeOrderSince());
        mem.startNewEpoch();
        assertEquals(0, next.writeOrderSince().length);
        next.release();
    }

    @Test
    void theLogKeepsTheFirstPagesWhenFull() {
        int pages = WriteOrderLog.CAPACITY + 100;
        GuestMemory mem = new GuestMemory(0x8000_0000L, (long) pages * GuestMemory.PAGE_SIZE);
        FrozenMemory view = mem.freeze();
        for (int i = pages - 1; i >= 0; i--) mem.pageForWrite(i);
        int[] order = view.writeOrderSince();
        assertEquals(WriteOrderLog.CAPACITY, order.length);
        assertEquals(pages - 1, order[0]);
        assertEquals(pages - WriteOrderLog.CAPACITY, order[order.length - 1]);
        view.release();
    }
}
