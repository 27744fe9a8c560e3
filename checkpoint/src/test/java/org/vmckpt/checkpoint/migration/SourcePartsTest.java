package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Machine;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Properties: a source's frame encoder is not sized for the largest frame a destination may decode (a decoder grows to
 * it, and still decodes a frame of 512 data pages); a migration given {@link SourceParts} made before it sends through
 * their encoder, keeps its copies in their table, and allocates less than 4 bytes per guest page on the thread that
 * makes and runs it (without them its digest alone is 4 bytes per page, its table of copies 4-8 more); the guest
 * arrives whole either way.
 */
class SourcePartsTest {
    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<Machine> running = new ArrayList<>();
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (Machine m : running) m.requestExit(0);
        for (AutoCloseable c : closeAfter) c.close();
    }

    private static long allocated() {
        return THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void anEncoderIsNotSizedForTheLargestFrameButADecoderStillReadsOne() throws Exception {
        new PageFrames(); // classes loaded
        allocated();
        long a0 = allocated();
        PageFrames encoder = new PageFrames();
        long made = allocated() - a0;
        assertTrue(made < (1536 << 10), "an encoder allocated " + made + " bytes as it was made; a frame of "
                + MigrationWire.ROUND_PAGES_PER_FRAME + " pages' data is " + MigrationWire.MAX_FRAME_DATA);

        int n = MigrationWire.ROUND_PAGES_PER_FRAME;
        int[] index = new int[n];
        byte[][] data = new byte[n][];
        Random r = new Random(5);
        for (int k = 0; k < n; k++) {
            index[k] = 3 * k + 1;
            data[k] = new byte[4096];
            for (int j = 0; j < 4096; j += 8) data[k][j] = (byte) r.nextInt(4); // compresses, unevenly
        }
        byte[][] sent = new byte[n][];
        for (int k = 0; k < n; k++) sent[k] = data[k].clone();
        byte[] payload = encoder.encodePages(index, data, n);
        byte[][] got = new byte[3 * n + 1][];
        new PageFrames().decodePages(new MigrationWire.Payload("PAGES", payload), 3 * n + 1, null, (i, d) -> got[(int) i] = d);
        for (int k = 0; k < n; k++) assertArrayEquals(sent[k], got[index[k]], "page " + index[k]);
    }

    /** A 1 GiB guest (a few pages of it used: memwalk paused before it ran), held paused on its run thread. */
    private Machine pausedSource() throws Exception {
        Machine m = new Machine(MigrationTest.memwalkConfig(1L << 30), b -> { });
        m.boot();
        m.requestPause();
        Thread t = new Thread(() -> m.run(-1), "source");
        t.setDaemon(true);
        t.start();
        running.add(m);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (m.runState() != Machine.RunState.PAUSED && System.nanoTime() < deadline) Thread.sleep(2);
        return m;
    }

    /** Migrates {@code source} into a fresh machine (plain TCP); returns what the thread that made and ran the source allocated. */
    private long migrate(Machine source, MigrationMode mode, SourceParts parts) throws Throwable {
        MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), null);
        closeAfter.add(l);
        Machine target = new Machine(MigrationTest.memwalkConfig(1L << 30), b -> { });
        MigrationDestination d = new MigrationDestination(target);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread dt = new Thread(() -> {
            try {
                d.receive(l.accept(), null);
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "destination");
        dt.setDaemon(true);
        dt.start();
        AtomicLong bytes = new AtomicLong(-1);
        Thread st = new Thread(() -> {
            try {
                allocated();
                long a0 = allocated();
                new MigrationSource(source, null, new MigrationEndpoint("127.0.0.1", l.port()), null, mode, false, null, parts).run();
                bytes.set(allocated() - a0);
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "migrate");
        st.start();
        st.join(60_000);
        dt.join(60_000);
        if (failure.get() != null) throw failure.get();
        assertFalse(st.isAlive() || dt.isAlive(), "the migration did not finish");
        assertEquals(source.memory().pageCount(), target.memory().pageCount());
        for (int i = 0; i < source.memory().pageCount(); i++) {
            byte[] a = source.memory().peekPage(i), b = target.memory().peekPage(i);
            boolean zeroA = a == null || org.vmckpt.machine.memory.GuestMemory.isZeroPage(a);
            boolean zeroB = b == null || org.vmckpt.machine.memory.GuestMemory.isZeroPage(b);
            if (zeroA || zeroB) assertEquals(zeroA, zeroB, "page " + i);
            else assertArrayEquals(a, b, "page " + i);
        }
        return bytes.get();
    }

    @Test
    void aMigrationGivenItsPartsUsesThemAndMakesNoTablePerPage() throws Throwable {
        for (MigrationMode mode : new MigrationMode[] {MigrationMode.PRECOPY, MigrationMode.POSTCOPY}) {
            migrate(pausedSource(), mode, null); // warm: classes, the JIT's first calls
            Machine source = pausedSource();
            int pages = source.memory().pageCount();
            SourceParts parts = new SourceParts(pages);
            long with = migrate(source, mode, parts);
            long without = migrate(pausedSource(), mode, null);
            System.out.printf("%s: a migration of %d pages allocated %d bytes with its parts, %d without%n", mode, pages, with, without);
            assertTrue(with < 4L * pages, mode + ": with its parts made before, a migration of " + pages + " pages allocated " + with + " bytes");
            assertTrue(without >= 4L * pages, mode + ": the property above cannot fail here: without parts it allocated " + without);
            assertTrue(parts.frames.pagesFrames() > 0, mode + ": the pages went through the parts' encoder");
            int kept = 0;
            for (byte[] p : parts.lastSent) if (p != null) kept++;
            assertTrue(kept > 0, mode + ": the copies sent were kept in the parts' table");
        }
    }
}
