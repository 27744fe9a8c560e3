package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.MemoryObserver;
import org.vmckpt.machine.memory.PageOrigin;

/**
 * Guest memory learns from virtio-blk which disk sectors fill each page (page-cache eviction, as Park et al.
 * did): a page counts once its 4 KiB came from the base image in order, whatever the request sizes; any change
 * of the page, and data served from the overlay, leave no origin.
 */
class VirtioBlkPageOriginTest {
    @TempDir
    Path dir;
    private VirtioBlk dev;
    private TestDriver d;
    private TestQueue q;
    private long header, status, page;
    private final List<Integer> dropped = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        byte[] image = new byte[1 << 20];
        new Random(3).nextBytes(image);
        Path img = dir.resolve("disk.img");
        Files.write(img, image);
        dev = new VirtioBlk(img);
        dev.recordPageOrigins(0);
        d = TestDriver.create(dev);
        d.negotiate(1L << VirtioMmio.F_VERSION_1);
        q = d.setupQueue(0, 16);
        d.driverOk();
        header = d.alloc(16, 16);
        status = d.alloc(1, 1);
        page = d.alloc(8192, 4096);
        d.memory.addObserver(new MemoryObserver() {
            @Override public void flushWriteMappings() { }
            @Override public void pageReplaced(int pageIndex) { }
            @Override public void flushAllMappings() { }
            @Override public void dropWriteMappings(int pageIndex) { dropped.add(pageIndex); }
        });
    }

    @AfterEach
    void close() throws IOException {
        dev.close();
    }

    private void request(int type, long sector, long addr, int len) {
        d.memory.write32(header, type);
        d.memory.write32(header + 4, 0);
        d.memory.write64(header + 8, sector);
        q.submit(Buf.in(header, 16), type == VirtioBlk.T_IN ? Buf.out(addr, len) : Buf.in(addr, len), Buf.out(status, 1));
        assertEquals(1, q.takeUsed().size());
        assertEquals(VirtioBlk.S_OK, d.memory.read8(status));
    }

    private int idx() {
        return d.memory.pageIndexOf(page);
    }

    @Test
    void aPageReadInFourKiBPiecesInOrderCountsWhateverTheRequestOrder() {
        // 1 KiB blocks at sector 101 (odd): pieces 2, 0, 3, 1 of the page.
        for (int piece : new int[]{2, 0, 3, 1}) request(VirtioBlk.T_IN, 101 + 2L * piece, page + 1024L * piece, 1024);
        PageOrigin o = d.memory.origin(idx());
        assertNotNull(o);
        assertTrue(o.complete());
        assertEquals(PageOrigin.diskSource(0), o.source());
        assertEquals(101, o.firstSector());
        assertTrue(dropped.contains(idx()), "cached write mappings of the filled page are dropped");
    }

    @Test
    void piecesFromScatteredSectorsDoNotCount() {
        request(VirtioBlk.T_IN, 100, page, 2048);
        request(VirtioBlk.T_IN, 300, page + 2048, 2048); // not sectors 104..107
        PageOrigin o = d.memory.origin(idx());
        assertTrue(o == null || !o.complete());
    }

    @Test
    void aHalfFilledPageDoesNotCount() {
        request(VirtioBlk.T_IN, 8, page, 2048);
        assertTrue(!d.memory.origin(idx()).complete());
    }

    @Test
    void anyWriteToThePageDropsItsOrigin() {
        request(VirtioBlk.T_IN, 16, page, 4096);
        assertTrue(d.memory.origin(idx()).complete());
        d.memory.write8(page + 4095, 1);
        assertNull(d.memory.origin(idx()));
    }

    @Test
    void dataFromTheOverlayHasNoOrigin() {
        d.memory.write64(page + 4096, 77);
        request(VirtioBlk.T_OUT, 24, page + 4096, 512); // block 3 is now in the overlay
        request(VirtioBlk.T_IN, 24, page, 4096);
        assertNull(d.memory.origin(idx()));
    }

    @Test
    void aFrozenViewKeepsTheOriginOfItsPageWhileTheGuestChangesTheLivePage() {
        request(VirtioBlk.T_IN, 40, page, 4096);
        FrozenMemory f = d.memory.freeze();
        d.memory.write8(page, 9); // copy-on-write: the frozen page stays as read
        assertNull(d.memory.origin(idx()));
        assertNotNull(f.completeOrigin(idx()));
        assertEquals(40, f.completeOrigin(idx()).firstSector());
        // A new read into the live page after the freeze never applies to the frozen page.
        request(VirtioBlk.T_IN, 80, page, 4096);
        assertEquals(80, d.memory.origin(idx()).firstSector());
        assertEquals(40, f.completeOrigin(idx()).firstSector());
        f.release();
    }

    @Test
    void aWriteThroughDiskRecordsNothing() throws IOException {
        Path img = dir.resolve("rw.img");
        Files.write(img, new byte[1 << 16]);
        try (VirtioBlk rw = new VirtioBlk(img, false, true)) {
            rw.recordPageOrigins(1);
            TestDriver d2 = TestDriver.create(rw);
            d2.negotiate(1L << VirtioMmio.F_VERSION_1);
            TestQueue q2 = d2.setupQueue(0, 16);
            d2.driverOk();
            long h = d2.alloc(16, 16), s = d2.alloc(1, 1), p = d2.alloc(4096, 4096);
            d2.memory.write32(h, VirtioBlk.T_IN);
            d2.memory.write64(h + 8, 0);
            q2.submit(Buf.in(h, 16), Buf.out(p, 4096), Buf.out(s, 1));
            q2.takeUsed();
            assertNull(d2.memory.origin(d2.memory.pageIndexOf(p)));
        }
    }
}
