package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.device.virtio.TestQueue.Used;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.MemoryObserver;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;

/** virtio-balloon driven as Linux's virtio_balloon does, and what it does to guest memory. */
class VirtioBalloonTest {
    private static final long VERSION_1 = 1L << VirtioMmio.F_VERSION_1;
    private static final long STATS = 1L << VirtioBalloon.F_STATS_VQ;
    private static final long HINT = 1L << VirtioBalloon.F_FREE_PAGE_HINT;
    private static final long REPORTING = 1L << VirtioBalloon.F_REPORTING;
    private static final long ALL = VERSION_1 | STATS | HINT | REPORTING;

    /** The driver's queues, named as Linux names them; null when not negotiated. */
    private static final class Balloon {
        final VirtioBalloon dev;
        final TestDriver d;
        TestQueue inflate, deflate, stats, hint, reporting;
        long statsBuf;

        Balloon(VirtioBalloon dev, TestDriver d) {
            this.dev = dev;
            this.d = d;
        }

        /** init_vqs + probe: queues numbered in order of the negotiated features, stats primed before DRIVER_OK. */
        static Balloon start(long features, long[] primeStats) {
            VirtioBalloon dev = new VirtioBalloon();
            Balloon b = new Balloon(dev, TestDriver.create(dev));
            long got = b.d.negotiate(features);
            int idx = 0;
            b.inflate = b.d.setupQueue(idx++, 32);
            b.deflate = b.d.setupQueue(idx++, 32);
            if ((got & STATS) != 0) b.stats = b.d.setupQueue(idx++, 32);
            if ((got & HINT) != 0) b.hint = b.d.setupQueue(idx++, 32);
            if ((got & REPORTING) != 0) b.reporting = b.d.setupQueue(idx, 32);
            if (b.stats != null) {
                b.statsBuf = b.d.alloc(10 * 8, 8);
                b.fillStats(primeStats);
                b.stats.submit(Buf.in(b.statsBuf, 10 * primeStats.length / 2));
            }
            b.d.driverOk();
            return b;
        }

        /** Writes (tag, value) pairs into the stats buffer. */
        void fillStats(long[] tagValue) {
            for (int i = 0; i < tagValue.length / 2; i++) {
                d.memory.write16(statsBuf + 10L * i, (int) tagValue[2 * i]);
                d.memory.write64(statsBuf + 10L * i + 2, tagValue[2 * i + 1]);
            }
        }

        /** tell_host: one buffer holding le32 page frame numbers. */
        List<Used> tellHost(TestQueue q, long... paddrs) {
            long buf = d.alloc(4L * paddrs.length, 4);
            for (int i = 0; i < paddrs.length; i++) d.memory.write32(buf + 4L * i, (int) (paddrs[i] >>> 12));
            q.submit(Buf.in(buf, 4 * paddrs.length));
            return q.takeUsed();
        }

        List<Used> sendCmdId(int id) {
            long buf = d.alloc(4, 4);
            d.memory.write32(buf, id);
            hint.submit(Buf.in(buf, 4));
            return hint.takeUsed();
        }
    }

    private static int pageIndex(long paddr) {
        return (int) ((paddr - TestDriver.RAM_BASE) >>> 12);
    }

    /** A page-aligned run of {@code pages} pages filled with a non-zero pattern. */
    private static long filledPages(TestDriver d, int pages) {
        long a = d.alloc(4096L * pages, 4096);
        byte[] fill = new byte[4096 * pages];
        Arrays.fill(fill, (byte) 0x77);
        d.writeBytes(a, fill);
        return a;
    }

    private static boolean isZero(TestDriver d, long addr, int len) {
        for (byte x : d.readBytes(addr, len)) if (x != 0) return false;
        return true;
    }

    @Test
    void targetAndActualInConfigSpace() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        assertEquals(VirtioBalloon.DEVICE_ID, b.d.read(VirtioMmio.REG_DEVICE_ID));
        assertEquals(ALL, b.d.mmio.negotiatedFeatures());
        int gen = b.d.read(VirtioMmio.REG_CONFIG_GENERATION);
        b.d.takeInterrupt();
        b.dev.setTargetPages(100);
        assertEquals(100, b.d.configRead(0, 4));
        assertEquals(gen + 1, b.d.read(VirtioMmio.REG_CONFIG_GENERATION));
        assertTrue(b.d.irq.level);
        assertEquals(VirtioMmio.INT_CONFIG_CHANGE, b.d.takeInterrupt());
        b.d.configWrite(4, 4, 64);
        assertEquals(64, b.dev.actualPages());
        b.d.configWrite(0, 4, 5); // num_pages belongs to the device
        assertEquals(100, b.d.configRead(0, 4));
        assertEquals(0, b.d.configRead(12, 4));
    }

    @Test
    void inflateDiscardsAndDeflateForgets() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        long pages = filledPages(b.d, 3);
        List<Used> used = b.tellHost(b.inflate, pages, pages + 4096, 0x1000 /* not RAM: ignored */);
        assertEquals(1, used.size());
        assertTrue(b.d.memory.peekPage(pageIndex(pages)) == null, "the host array is dropped");
        assertTrue(isZero(b.d, pages, 8192));
        assertFalse(isZero(b.d, pages + 8192, 4096), "a page not inflated keeps its contents");
        BitSet expect = new BitSet();
        expect.set(pageIndex(pages), pageIndex(pages) + 2);
        assertEquals(expect, b.dev.inflatedPages());
        assertEquals(2, b.dev.pagesInflated());
        assertEquals(2, b.dev.pagesDiscarded());
        assertEquals(VirtioMmio.INT_USED_BUFFER, b.d.takeInterrupt());

        b.tellHost(b.deflate, pages);
        expect.clear(pageIndex(pages));
        assertEquals(expect, b.dev.inflatedPages());
        assertEquals(1, b.dev.pagesDeflated());

        b.dev.setDiscardInflated(false);
        b.tellHost(b.inflate, pages + 8192);
        assertFalse(isZero(b.d, pages + 8192, 4096), "discarding switched off");
        assertTrue(b.dev.inflatedPages().get(pageIndex(pages + 8192)));
        assertEquals(2, b.dev.pagesDiscarded());
    }

    @Test
    void discardKeepsTheFrozenViewAndTellsObservers() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        long page = filledPages(b.d, 1);
        int idx = pageIndex(page);
        List<Integer> replaced = new ArrayList<>();
        b.d.memory.addObserver(new MemoryObserver() {
            @Override public void flushWriteMappings() { }
            @Override public void pageReplaced(int pageIndex) { replaced.add(pageIndex); }
            @Override public void flushAllMappings() { }
        });
        FrozenMemory frozen = b.d.memory.freeze();
        byte[] before = frozen.page(idx).clone();
        b.tellHost(b.inflate, page);
        assertTrue(replaced.contains(idx));
        assertArrayEquals(before, frozen.page(idx));
        assertEquals(0x77, frozen.page(idx)[0]);
        assertTrue(isZero(b.d, page, 4096));
        assertTrue(b.d.memory.isDirty(idx));
        frozen.release();
    }

    @Test
    void statsArriveAndAreRequestedAgain() {
        Balloon b = Balloon.start(ALL, new long[] {BalloonStats.MEMORY_FREE, 1000, BalloonStats.MEMORY_TOTAL, 4096});
        BalloonStats s = b.dev.lastStats();
        assertEquals(1, s.sequence());
        assertEquals(1000, s.get(BalloonStats.MEMORY_FREE));
        assertEquals(4096, s.get(BalloonStats.MEMORY_TOTAL));
        assertEquals(-1, s.get(BalloonStats.SWAP_IN));
        assertTrue(b.stats.takeUsed().isEmpty(), "the device holds the stats buffer");

        assertTrue(b.dev.requestStats());
        assertFalse(b.dev.requestStats(), "nothing held until the driver refills");
        assertEquals(1, b.stats.takeUsed().size());
        assertEquals(VirtioMmio.INT_USED_BUFFER, b.d.takeInterrupt());

        // stats_handle_request: refill and re-add.
        b.fillStats(new long[] {BalloonStats.MEMORY_FREE, 500, BalloonStats.MEMORY_AVAILABLE, 700, BalloonStats.DISK_CACHES, 9});
        b.stats.submit(Buf.in(b.statsBuf, 30));
        s = b.dev.lastStats();
        assertEquals(2, s.sequence());
        assertEquals(500, s.get(BalloonStats.MEMORY_FREE));
        assertEquals(700, s.get(BalloonStats.MEMORY_AVAILABLE));
        assertEquals(9, s.get(BalloonStats.DISK_CACHES));
    }

    @Test
    void freePageReportingDiscardsWholePagesOfTheRanges() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        long run = filledPages(b.d, 8);
        long other = filledPages(b.d, 2);
        // Like page_reporting: device-writable buffers whose address/length are the free ranges.
        b.reporting.submit(Buf.out(run, 4 * 4096), Buf.out(other + 100, 4096 + 3996));
        assertEquals(1, b.reporting.takeUsed().size());
        assertTrue(isZero(b.d, run, 4 * 4096));
        assertFalse(isZero(b.d, run + 4 * 4096, 4096));
        assertFalse(isZero(b.d, other, 4096), "a partly covered page stays");
        assertTrue(isZero(b.d, other + 4096, 4096));
        assertEquals(5, b.dev.pagesReported());
        assertEquals(5, b.dev.reportedFreePages().cardinality());
        assertTrue(b.dev.reportedFreePages().get(pageIndex(other + 4096)));

        // A reported page later inflated is attributed to the balloon.
        b.tellHost(b.inflate, run);
        assertFalse(b.dev.reportedFreePages().get(pageIndex(run)));
        assertTrue(b.dev.inflatedPages().get(pageIndex(run)));

        b.dev.setDiscardReported(false);
        long kept = filledPages(b.d, 1);
        b.reporting.submit(Buf.out(kept, 4096));
        assertFalse(isZero(b.d, kept, 4096));
        assertTrue(b.dev.reportedFreePages().get(pageIndex(kept)));
    }

    @Test
    void freePageHintingRound() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        long early = filledPages(b.d, 1);
        b.hint.submit(Buf.out(early, 4096));
        assertFalse(isZero(b.d, early, 4096), "blocks before a command are not hints");
        b.hint.takeUsed();
        b.d.takeInterrupt();

        int id = b.dev.startFreePageHint();
        assertTrue(id > VirtioBalloon.CMD_ID_DONE);
        assertEquals(VirtioBalloon.FreePageHintState.REQUESTED, b.dev.freePageHintState());
        assertEquals(id, b.d.configRead(8, 4));
        assertEquals(VirtioMmio.INT_CONFIG_CHANGE, b.d.takeInterrupt());

        assertEquals(1, b.sendCmdId(id).size());
        assertEquals(VirtioBalloon.FreePageHintState.STARTED, b.dev.freePageHintState());
        long block = filledPages(b.d, 4);
        b.hint.submit(Buf.out(block, 4 * 4096));
        assertEquals(1, b.hint.takeUsed().size());
        assertTrue(isZero(b.d, block, 4 * 4096));
        assertEquals(4, b.dev.hintedFreePages().cardinality());
        assertEquals(4, b.dev.pagesHinted());

        b.d.takeInterrupt();
        b.sendCmdId(VirtioBalloon.CMD_ID_STOP);
        assertEquals(VirtioBalloon.FreePageHintState.DONE, b.dev.freePageHintState(), "auto finish");
        assertEquals(VirtioBalloon.CMD_ID_DONE, b.d.configRead(8, 4));
        assertTrue((b.d.takeInterrupt() & VirtioMmio.INT_CONFIG_CHANGE) != 0);

        long late = filledPages(b.d, 1);
        b.hint.submit(Buf.out(late, 4096));
        assertFalse(isZero(b.d, late, 4096), "blocks after the stop are not hints");

        // Second round, held until we finish it; the hinted set starts over.
        b.dev.setAutoFinishFreePageHint(false);
        int id2 = b.dev.startFreePageHint();
        assertTrue(id2 > id);
        assertEquals(0, b.dev.hintedFreePages().cardinality());
        b.sendCmdId(id - 0); // stale ID: ignored
        assertEquals(VirtioBalloon.FreePageHintState.REQUESTED, b.dev.freePageHintState());
        b.sendCmdId(id2);
        b.hint.submit(Buf.out(late, 4096));
        b.sendCmdId(VirtioBalloon.CMD_ID_STOP);
        assertEquals(VirtioBalloon.FreePageHintState.STOPPED, b.dev.freePageHintState());
        assertEquals(VirtioBalloon.CMD_ID_STOP, b.d.configRead(8, 4));
        assertTrue(b.dev.hintedFreePages().get(pageIndex(late)));
        b.dev.finishFreePageHint();
        assertEquals(VirtioBalloon.CMD_ID_DONE, b.d.configRead(8, 4));
    }

    @Test
    void queuesAreNumberedByNegotiatedFeatures() {
        Balloon b = Balloon.start(VERSION_1 | HINT | REPORTING, new long[0]);
        assertEquals(2, b.hint.index);
        assertEquals(3, b.reporting.index);
        long page = filledPages(b.d, 1);
        b.reporting.submit(Buf.out(page, 4096));
        assertTrue(isZero(b.d, page, 4096));
        assertFalse(b.dev.requestStats());

        Balloon plain = Balloon.start(VERSION_1, new long[0]);
        assertEquals(-1, plain.dev.startFreePageHint());
        assertNull(plain.hint);
    }

    @Test
    void resetForgetsTheHeldBufferAndTheBalloon() {
        Balloon b = Balloon.start(ALL, new long[] {4, 1000});
        long page = filledPages(b.d, 1);
        b.tellHost(b.inflate, page);
        b.d.write(VirtioMmio.REG_STATUS, 0);
        assertFalse(b.dev.requestStats());
        assertTrue(b.dev.inflatedPages().isEmpty());
        assertEquals(VirtioBalloon.FreePageHintState.IDLE, b.dev.freePageHintState());
    }

    @Test
    void stateRoundTripContinuesIdentically() throws Exception {
        Balloon b = Balloon.start(ALL, new long[] {BalloonStats.MEMORY_FREE, 1234});
        b.dev.setTargetPages(7);
        b.tellHost(b.inflate, filledPages(b.d, 1));
        b.reporting.submit(Buf.out(filledPages(b.d, 2), 8192));
        int id = b.dev.startFreePageHint();
        b.sendCmdId(id);
        b.hint.submit(Buf.out(filledPages(b.d, 1), 4096));
        long more = filledPages(b.d, 1);

        byte[] saved = Snapshots.save(b.d.mmio);
        GuestMemory mem2 = Snapshots.copyOf(b.d.memory);
        VirtioBalloon dev2 = new VirtioBalloon();
        RecordingIrq irq2 = new RecordingIrq();
        VirtioMmio mmio2 = new VirtioMmio("virtio0", mem2, irq2, dev2);
        Snapshots.load(mmio2, saved);
        assertArrayEquals(saved, Snapshots.save(mmio2));
        assertEquals(b.dev.lastStats(), dev2.lastStats());
        assertEquals(b.dev.inflatedPages(), dev2.inflatedPages());
        assertEquals(b.dev.reportedFreePages(), dev2.reportedFreePages());
        assertEquals(b.dev.hintedFreePages(), dev2.hintedFreePages());

        Balloon c = new Balloon(dev2, new TestDriver(mem2, mmio2, irq2));
        c.d.setHeapNext(b.d.heapNext());
        c.inflate = copyQueue(c.d, b.inflate);
        c.deflate = copyQueue(c.d, b.deflate);
        c.stats = copyQueue(c.d, b.stats);
        c.hint = copyQueue(c.d, b.hint);
        c.reporting = copyQueue(c.d, b.reporting);
        c.statsBuf = b.statsBuf;
        for (Balloon x : List.of(b, c)) {
            assertTrue(x.dev.requestStats(), "the held stats buffer survives the checkpoint");
            x.hint.submit(Buf.out(more, 4096));
            x.sendCmdId(VirtioBalloon.CMD_ID_STOP);
            x.tellHost(x.deflate, TestDriver.HEAP);
        }
        assertEquals(b.stats.takeUsed(), c.stats.takeUsed());
        assertTrue(Snapshots.sameContents(b.d.memory, mem2));
        assertArrayEquals(Snapshots.save(b.d.mmio), Snapshots.save(mmio2));
    }

    private static TestQueue copyQueue(TestDriver d, TestQueue q) {
        TestQueue c = new TestQueue(d, q.index, q.size, q.desc, q.avail, q.used);
        c.nextDesc = q.nextDesc;
        c.availIdx = q.availIdx;
        c.lastUsedIdx = q.lastUsedIdx;
        return c;
    }

    @Test
    void badRecordsGiveStateFormatException() throws Exception {
        Balloon b = Balloon.start(ALL, new long[] {4, 1});
        b.tellHost(b.inflate, filledPages(b.d, 1));
        byte[] rec = Snapshots.save(b.dev);
        for (int drop = 1; drop < rec.length; drop += 5) {
            VirtioBalloon fresh = new VirtioBalloon();
            new VirtioMmio("v", new GuestMemory(TestDriver.RAM_BASE, TestDriver.RAM_SIZE), new RecordingIrq(), fresh);
            byte[] cut = Snapshots.truncated(rec, drop);
            assertThrows(StateFormatException.class, () -> Snapshots.load(fresh, cut), "dropped " + drop);
        }
        assertThrows(StateFormatException.class, () -> b.dev.loadState(new StateReader("b", rec), 2));
        // Page sets beyond a smaller RAM.
        VirtioBalloon small = new VirtioBalloon();
        new VirtioMmio("v", new GuestMemory(TestDriver.RAM_BASE, 1 << 20), new RecordingIrq(), small);
        assertThrows(StateFormatException.class, () -> Snapshots.load(small, rec));
        VirtioBalloon ok = new VirtioBalloon();
        new VirtioMmio("v", new GuestMemory(TestDriver.RAM_BASE, TestDriver.RAM_SIZE), new RecordingIrq(), ok);
        Snapshots.load(ok, rec);
        assertNotNull(ok.lastStats());
        assertEquals(b.dev.inflatedPages(), ok.inflatedPages());
    }
}
