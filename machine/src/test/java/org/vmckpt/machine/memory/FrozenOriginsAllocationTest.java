package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Properties: a frozen view's origin look-up ({@link FrozenMemory#completeOrigin}, once per page by a checkpoint's or a
 * migration's classifier) allocates nothing, and neither does moving a frozen page's origin aside when the guest
 * first writes the page (copy-on-write with spares, on the run thread); the origins moved aside are still found
 * through the view, and are gone from the next freeze's. (A map from boxed page index to origin made an
 * {@code Integer} per look-up above 127, and an {@code Integer} and a node per page moved aside.)
 */
class FrozenOriginsAllocationTest {
    private static final int PAGES = 8 * GuestMemory.CHUNK_PAGES;
    private static final long BASE = 0x8000_0000L;
    private static final int SOURCE = PageOrigin.DISK_FIRST;
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    /** Every page filled whole from {@link #SOURCE}, page i from sectors 8i..8i+7. */
    private static GuestMemory filled() {
        GuestMemory m = new GuestMemory(BASE, (long) PAGES * GuestMemory.PAGE_SIZE);
        byte[] page = new byte[GuestMemory.PAGE_SIZE];
        for (int i = 0; i < PAGES; i++) {
            page[0] = (byte) (i + 1);
            m.writeFromSource(BASE + (long) i * GuestMemory.PAGE_SIZE, page, 0, page.length, SOURCE, 8L * i);
        }
        return m;
    }

    private static int lookUpAll(FrozenMemory f) {
        int found = 0;
        for (int i = 0; i < PAGES; i++) if (f.completeOrigin(i) != null) found++;
        return found;
    }

    /** The guest's first write to each of pages {@code 0..n)}. */
    private static void writeFirst(GuestMemory m, int n) {
        for (int i = 0; i < n; i++) m.write8(BASE + (long) i * GuestMemory.PAGE_SIZE + 1, 0x5a);
    }

    @Test
    void lookingUpAndMovingAsideOriginsAllocatesNothingPerPage() {
        assertTrue(THREADS.isThreadAllocatedMemorySupported() && THREADS.isThreadAllocatedMemoryEnabled());
        // A first pass of everything on another memory: class loading and the interpreter's first calls are not counted.
        GuestMemory warm = filled();
        warm.spares().fill(PAGES);
        warm.spares().setEnabled(true);
        FrozenMemory wf = warm.freeze();
        lookUpAll(wf);
        writeFirst(warm, PAGES / 2);
        lookUpAll(wf);
        wf.release();

        GuestMemory m = filled();
        m.spares().fill(PAGES);
        m.spares().setEnabled(true);
        FrozenMemory f = m.freeze();
        allocated();
        long a0 = allocated();
        int found = lookUpAll(f);
        long lookUps = allocated() - a0;
        assertEquals(PAGES, found);
        assertTrue(lookUps < 1024, "looking up " + PAGES + " origins allocated " + lookUps + " bytes");

        int written = PAGES / 2;
        long w0 = allocated();
        writeFirst(m, written);
        long writes = allocated() - w0;
        // What the writes may allocate: a copy of each chunk of the page table they touch (a reference per page), no more.
        long chunkCopies = (long) (written / GuestMemory.CHUNK_PAGES) * (16 + 8L * GuestMemory.CHUNK_PAGES);
        assertTrue(writes < chunkCopies + 1024, "the first writes to " + written + " frozen pages allocated " + writes
                + " bytes, more than the " + chunkCopies + " of their chunk tables");
        assertEquals(written, m.spares().taken(), "each copy took a spare");

        // Moved aside, still found through the view; the live pages changed and have none.
        long a1 = allocated();
        found = lookUpAll(f);
        long lookUpsAfter = allocated() - a1;
        assertEquals(PAGES, found);
        assertTrue(lookUpsAfter < 1024, "looking up " + PAGES + " origins, half of them moved aside, allocated " + lookUpsAfter + " bytes");
        for (int i = 0; i < PAGES; i++) {
            assertEquals(8L * i, f.completeOrigin(i).firstSector(), "page " + i);
            if (i < written) assertNull(m.origin(i), "page " + i + " was written");
            else assertNotNull(m.origin(i), "page " + i);
        }

        // The next freeze: the pages written have no origin, the others still do.
        f.release();
        FrozenMemory next = m.freeze();
        for (int i = 0; i < PAGES; i++) {
            if (i < written) assertNull(next.completeOrigin(i), "page " + i + " was written before this freeze");
            else assertEquals(8L * i, next.completeOrigin(i).firstSector(), "page " + i);
        }
        next.release();
    }
}
