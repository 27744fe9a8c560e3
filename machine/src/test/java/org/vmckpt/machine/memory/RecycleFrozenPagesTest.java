package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A frozen view released with {@link FrozenMemory#releaseRecycling} hands the arrays the guest replaced since the
 * freeze to copy-on-write's spares, and the next freeze's copies go into them (nothing allocated); no array that memory
 * still holds (the live table) or that a view still to be read holds is ever handed out, and a plain
 * {@link FrozenMemory#release} (whoever may still read the view) hands out nothing.
 */
class RecycleFrozenPagesTest {
    private static final long BASE = 0x8000_0000L;
    private static final int PAGES = 16;

    private static GuestMemory memory() {
        GuestMemory m = new GuestMemory(BASE, 64L * GuestMemory.PAGE_SIZE);
        m.spares().setRecycling(true);
        for (int i = 0; i < PAGES; i++) m.write64(BASE + (long) i * GuestMemory.PAGE_SIZE, 1000 + i);
        return m;
    }

    private static long addr(int page, int off) {
        return BASE + (long) page * GuestMemory.PAGE_SIZE + off;
    }

    /** The arrays the spares hold now, taken out (the test's memory is not used after). */
    private static Set<byte[]> drain(SparePages s) {
        Set<byte[]> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (byte[] p; (p = s.take()) != null; ) out.add(p);
        return out;
    }

    @Test
    void theArraysACheckpointReplacedServeTheNextOnesCopies() {
        GuestMemory m = memory();
        FrozenMemory first = m.freeze();
        Set<byte[]> replaced = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int i = 0; i < 4; i++) {
            replaced.add(first.page(i));
            m.write64(addr(i, 8), 1); // copy-on-write: nothing to reuse yet, a new array
        }
        assertEquals(0, m.spares().taken());
        first.releaseRecycling();
        assertEquals(4, m.spares().recycled(), "the four frozen originals the guest replaced");
        assertEquals(4, m.spares().size());

        FrozenMemory second = m.freeze();
        byte[][] frozen = new byte[PAGES][];
        for (int i = 0; i < PAGES; i++) frozen[i] = second.page(i);
        for (int i = 4; i < 8; i++) m.write64(addr(i, 16), 2);
        assertEquals(4, m.spares().taken(), "the second freeze's copies took the recycled arrays");
        for (int i = 4; i < 8; i++) {
            assertTrue(replaced.contains(m.peekPage(i)), "page " + i + " now lives in a recycled array");
            assertEquals(1000 + i, m.read64(addr(i, 0)), "the copy holds the page's contents");
            assertEquals(2, m.read64(addr(i, 16)));
            assertEquals(0, m.read64(addr(i, 8)), "nothing of the recycled array's old contents is left");
            assertSame(frozen[i], second.page(i), "the view keeps its page");
            assertEquals(0, second.page(i)[16], "and the page is unchanged");
        }
        for (int i = 0; i < 4; i++) assertEquals(1, m.read64(addr(i, 8)), "pages written before keep their writes");
        second.releaseRecycling();
        assertEquals(8, m.spares().recycled());
    }

    /**
     * The page table's chunks too (round 65): the chunks a freeze's copy-on-write copied are, once its view is released
     * with recycling, where the next freeze's chunk copies go, so with spares the guest's writes to frozen pages
     * allocate nothing at all; the pages read back right through the reused chunks.
     */
    @Test
    void theChunksACheckpointCopiedServeTheNextOnesChunkCopies() {
        // 3 chunks of 512 pages; pages 0, 600 and 1100 lie in different ones.
        GuestMemory m = new GuestMemory(BASE, 1536L * GuestMemory.PAGE_SIZE);
        m.spares().setRecycling(true);
        int[] pages = {0, 1, 600, 1100};
        for (int p : pages) m.write64(addr(p, 0), 1000 + p);
        FrozenMemory first = m.freeze();
        for (int p : pages) m.write64(addr(p, 8), 1);
        first.releaseRecycling();
        assertEquals(3, m.spareChunkCount(), "the three frozen chunks the guest's writes copied");
        assertEquals(4, m.spares().size());

        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long self = Thread.currentThread().getId();
        // The same again: spares and spare chunks every time. Measured in the last rounds only: on a busy machine the
        // JVM's own one-time work on this thread (late compiles, deoptimization, call-site linking) fell into the
        // first rounds' window once (104 bytes, round 80's CI); what the copies allocate would show in every round.
        int warm = 40;
        for (int round = 0; round < warm + 3; round++) {
            FrozenMemory view = m.freeze();
            for (int p : pages) assertFalse(m.isDirty(p), "the new epoch starts clean (a reused bitmap is zeroed)");
            assertTrue(view.writtenInEpoch(600), "the view's epoch saw the write");
            long before = threads.getThreadAllocatedBytes(self);
            for (int p : pages) m.write64(addr(p, 16), 2 + round);
            long allocated = threads.getThreadAllocatedBytes(self) - before;
            assertEquals(0, m.spareChunkCount(), "the copies took the spare chunks");
            if (round >= warm) assertEquals(0, allocated, "copy-on-write into spares and spare chunks allocates nothing");
            for (int p : pages) {
                assertEquals(1000 + p, m.read64(addr(p, 0)));
                assertEquals(1, m.read64(addr(p, 8)));
                assertEquals(2 + round, m.read64(addr(p, 16)));
                assertEquals(round == 0 ? 0 : 1 + round, view.page(p)[16], "the view keeps its page");
            }
            assertEquals(0, m.read64(addr(2, 0)), "a page never written reads zero through a reused chunk");
            long beforeRelease = threads.getThreadAllocatedBytes(self);
            view.releaseRecycling();
            if (round >= warm) assertEquals(0, threads.getThreadAllocatedBytes(self) - beforeRelease,
                    "the release allocates nothing: the view's dirty bitmap becomes the next epoch's");
            assertEquals(3, m.spareChunkCount());
        }
    }

    @Test
    void anArrayStillHeldIsNeverHandedOut() {
        GuestMemory m = memory();
        // A plain release: its caller may still read the view (an aborted checkpoint's compressor, a migration).
        FrozenMemory view = m.freeze();
        for (int i = 0; i < 4; i++) m.write64(addr(i, 8), 1);
        view.release();
        assertEquals(0, m.spares().size(), "release() hands out nothing");
        view.releaseRecycling();
        assertEquals(0, m.spares().size(), "nor does a second release of the same view");

        // Only the arrays the live table no longer holds: not the frozen pages the guest left alone (still live),
        // not the copies (live), not pages discarded before the freeze.
        view = m.freeze();
        byte[][] frozen = new byte[PAGES][];
        for (int i = 0; i < PAGES; i++) frozen[i] = view.page(i);
        m.write64(addr(0, 8), 3);  // copied
        m.discardPage(1);          // dropped: its frozen array has no holder either
        m.restorePage(2, new byte[GuestMemory.PAGE_SIZE]); // restored over (a reset): replaced by a copy
        m.write64(addr(3, 8), 4);  // copied
        view.releaseRecycling();
        Set<byte[]> handedOut = drain(m.spares());
        assertEquals(4, handedOut.size());
        for (int i = 0; i < 4; i++) assertTrue(handedOut.contains(frozen[i]), "page " + i + "'s frozen array");
        for (int i = 0; i < m.pageCount(); i++) {
            byte[] live = m.peekPage(i);
            assertFalse(live != null && handedOut.contains(live), "page " + i + "'s live array was handed out");
        }
        for (int i = 4; i < PAGES; i++) assertEquals(1000 + i, m.read64(addr(i, 0)));
    }

    @Test
    void withoutRecyclingNothingIsHandedOut() {
        GuestMemory m = memory();
        m.spares().setRecycling(false);
        FrozenMemory view = m.freeze();
        for (int i = 0; i < 4; i++) m.write64(addr(i, 8), 1);
        view.releaseRecycling();
        assertEquals(0, m.spares().size());
        assertEquals(0, m.spares().recycled());
    }
}
