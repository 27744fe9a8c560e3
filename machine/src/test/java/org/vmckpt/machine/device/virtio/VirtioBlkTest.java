package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.device.virtio.TestQueue.Used;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;

/** virtio-blk driven as Linux's virtio_blk does: header, data segments, status byte. */
class VirtioBlkTest {
    private static final long VERSION_1 = 1L << VirtioMmio.F_VERSION_1;
    private static final long INDIRECT = 1L << VirtioMmio.F_RING_INDIRECT_DESC;
    private static final long EVENT_IDX = 1L << VirtioMmio.F_RING_EVENT_IDX;
    private static final long BLK_FEATURES = 1L << VirtioBlk.F_SEG_MAX | 1L << VirtioBlk.F_FLUSH | 1L << VirtioBlk.F_RO;
    private static final int IMAGE_SIZE = 1 << 20;

    @TempDir
    Path dir;
    private Path image;
    private byte[] original;
    private final List<VirtioBlk> opened = new java.util.ArrayList<>();

    @BeforeEach
    void makeImage() throws IOException {
        original = new byte[IMAGE_SIZE];
        new Random(7).nextBytes(original);
        image = dir.resolve("disk.img");
        Files.write(image, original);
    }

    @AfterEach
    void closeDevices() throws IOException {
        for (VirtioBlk b : opened) b.close();
    }

    private VirtioBlk open(boolean readOnly, boolean writeThrough) throws IOException {
        VirtioBlk b = new VirtioBlk(image, readOnly, writeThrough);
        opened.add(b);
        return b;
    }

    /** A driver with the block queue set up; request buffers are carved from guest RAM. */
    private static final class Blk {
        final TestDriver d;
        final TestQueue q;
        final long header;
        final long status;

        Blk(TestDriver d, TestQueue q) {
            this(d, q, d.alloc(16, 16), d.alloc(1, 1));
        }

        Blk(TestDriver d, TestQueue q, long header, long status) {
            this.d = d;
            this.q = q;
            this.header = header;
            this.status = status;
        }

        static Blk start(VirtioBlk dev, long features) {
            TestDriver d = TestDriver.create(dev);
            d.negotiate(features);
            TestQueue q = d.setupQueue(0, 16);
            d.driverOk();
            return new Blk(d, q);
        }

        void header(int type, long sector) {
            d.memory.write32(header, type);
            d.memory.write32(header + 4, 0);
            d.memory.write64(header + 8, sector);
            d.memory.write8(status, 0xff);
        }

        /** Sends one request: header, then {@code data}, then the status byte; returns the status. */
        int request(int type, long sector, Buf... data) {
            header(type, sector);
            Buf[] chain = new Buf[data.length + 2];
            chain[0] = Buf.in(header, 16);
            System.arraycopy(data, 0, chain, 1, data.length);
            chain[chain.length - 1] = Buf.out(status, 1);
            q.submit(chain);
            List<Used> used = q.takeUsed();
            assertEquals(1, used.size());
            return d.memory.read8(status);
        }

        int read(long sector, long buf, int len) {
            return request(VirtioBlk.T_IN, sector, Buf.out(buf, len));
        }

        int write(long sector, long buf, int len) {
            return request(VirtioBlk.T_OUT, sector, Buf.in(buf, len));
        }
    }

    private byte[] fileRange(int from, int len) {
        return Arrays.copyOfRange(original, from, from + len);
    }

    @Test
    void configurationAndFeatures() throws IOException {
        Blk b = Blk.start(open(false, false), VERSION_1 | BLK_FEATURES);
        long capacity = (b.d.configRead(0, 4) & 0xffffffffL) | b.d.configRead(4, 4) << 32;
        assertEquals(IMAGE_SIZE / 512, capacity);
        assertEquals(IMAGE_SIZE / 512, b.d.configRead(0, 8));
        assertEquals(VirtioBlk.SEG_MAX, b.d.configRead(12, 4));
        assertEquals(1L << VirtioBlk.F_SEG_MAX | 1L << VirtioBlk.F_FLUSH, b.d.offeredFeatures() & 0xffffff);
        assertEquals(0, b.d.configRead(64, 4), "beyond the config space reads as zero");
        TestDriver ro = TestDriver.create(open(true, false));
        assertTrue((ro.offeredFeatures() & 1L << VirtioBlk.F_RO) != 0);
        assertThrows(IllegalArgumentException.class, () -> new VirtioBlk(image, true, true));
    }

    @Test
    void readWriteFlushRoundTripLeavesTheImageUntouched() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(8192, 4096);
        assertEquals(VirtioBlk.S_OK, b.read(0, buf, 8192));
        assertArrayEquals(fileRange(0, 8192), b.d.readBytes(buf, 8192));

        // 4 KiB at sector 3 straddles overlay blocks 0 and 1.
        byte[] data = new byte[4096];
        new Random(1).nextBytes(data);
        b.d.writeBytes(buf, data);
        assertEquals(VirtioBlk.S_OK, b.write(3, buf, 4096));
        assertEquals(VirtioBlk.S_OK, b.request(VirtioBlk.T_FLUSH, 0));
        assertEquals(2, dev.overlay().presentBlocks());

        long back = b.d.alloc(12288, 4096);
        assertEquals(VirtioBlk.S_OK, b.read(0, back, 12288));
        byte[] expect = fileRange(0, 12288);
        System.arraycopy(data, 0, expect, 1536, 4096);
        assertArrayEquals(expect, b.d.readBytes(back, 12288));
        assertArrayEquals(original, Files.readAllBytes(image), "the image file never changes");
        assertEquals(1, dev.writeRequests());
        assertEquals(0, dev.failedRequests());
    }

    @Test
    void writeThroughChangesTheFile() throws Exception {
        VirtioBlk dev = open(false, true);
        Blk b = Blk.start(dev, VERSION_1 | BLK_FEATURES);
        String before = dev.baseImageSha256();
        long buf = b.d.alloc(1024, 512);
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0x5a);
        b.d.writeBytes(buf, data);
        assertEquals(VirtioBlk.S_OK, b.write(10, buf, 1024));
        assertEquals(VirtioBlk.S_OK, b.request(VirtioBlk.T_FLUSH, 0));
        byte[] now = Files.readAllBytes(image);
        assertArrayEquals(data, Arrays.copyOfRange(now, 5120, 6144));
        assertEquals(0, dev.overlay().presentBlocks());
        assertFalse(before.equals(dev.baseImageSha256()), "the hash follows the file");
        assertThrows(IllegalStateException.class, () -> dev.restoreOverlayBlock(0, new byte[4096]));
    }

    @Test
    void readOnlyDiskFailsWrites() throws Exception {
        Blk b = Blk.start(open(true, false), VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(512, 512);
        assertEquals(VirtioBlk.S_IOERR, b.write(0, buf, 512));
        assertEquals(VirtioBlk.S_OK, b.read(0, buf, 512));
        assertArrayEquals(fileRange(0, 512), b.d.readBytes(buf, 512));
    }

    @Test
    void badRequestsFailWithoutBreakingTheDevice() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(4096, 512);
        long capacity = IMAGE_SIZE / 512;
        assertEquals(VirtioBlk.S_IOERR, b.read(capacity, buf, 512), "past the end");
        assertEquals(VirtioBlk.S_IOERR, b.read(capacity - 1, buf, 1024), "runs past the end");
        assertEquals(VirtioBlk.S_IOERR, b.write(Long.MAX_VALUE / 256, buf, 512), "sector * 512 would overflow");
        assertEquals(VirtioBlk.S_IOERR, b.write(-1, buf, 512), "sector 2^64-1");
        assertEquals(VirtioBlk.S_IOERR, b.read(0, buf, 100), "not whole sectors");
        assertEquals(VirtioBlk.S_UNSUPP, b.request(77, 0));
        assertEquals(VirtioBlk.S_OK, b.read(capacity - 1, buf, 512), "last sector");
        // Header too short.
        b.d.memory.write8(b.status, 0xff);
        b.q.submit(Buf.in(b.header, 8), Buf.out(b.status, 1));
        assertEquals(1, b.q.takeUsed().size());
        assertEquals(VirtioBlk.S_IOERR, b.d.memory.read8(b.status));
        assertFalse(b.d.needsReset());
        assertEquals(7, dev.failedRequests());
        // No status byte at all: a protocol violation.
        b.q.submit(Buf.in(b.header, 16));
        assertTrue(b.d.needsReset());
        assertArrayEquals(original, Files.readAllBytes(image));
    }

    @Test
    void getIdReturnsTheImageName() throws Exception {
        Blk b = Blk.start(open(false, false), VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(20, 1);
        assertEquals(VirtioBlk.S_OK, b.request(VirtioBlk.T_GET_ID, 0, Buf.out(buf, 20)));
        byte[] expect = Arrays.copyOf("disk.img".getBytes(StandardCharsets.UTF_8), 20);
        assertArrayEquals(expect, b.d.readBytes(buf, 20));
    }

    @Test
    void scatteredIndirectRequest() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | INDIRECT | BLK_FEATURES);
        long p1 = b.d.alloc(512, 512);
        long p2 = b.d.alloc(3584, 512);
        b.header(VirtioBlk.T_IN, 8);
        int head = b.q.addIndirect(Buf.in(b.header, 16), Buf.out(p1, 512), Buf.out(p2, 3584), Buf.out(b.status, 1));
        b.q.publish(head);
        b.q.kick();
        assertEquals(List.of(new Used(head, 4097)), b.q.takeUsed());
        assertEquals(VirtioBlk.S_OK, b.d.memory.read8(b.status));
        assertArrayEquals(fileRange(4096, 512), b.d.readBytes(p1, 512));
        assertArrayEquals(fileRange(4608, 3584), b.d.readBytes(p2, 3584));
    }

    @Test
    void frozenOverlayNeverChanges() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(4096, 4096);
        byte[] a = new byte[4096];
        Arrays.fill(a, (byte) 'A');
        b.d.writeBytes(buf, a);
        assertEquals(VirtioBlk.S_OK, b.write(0, buf, 4096));

        FrozenOverlay view = dev.freezeOverlay();
        assertThrows(IllegalStateException.class, dev::freezeOverlay);
        byte[] frozenBlock0 = view.block(0);
        assertArrayEquals(a, frozenBlock0);
        assertTrue(view.writtenInEpoch(0));
        assertEquals(1, view.presentBlocks());

        byte[] bb = new byte[4096];
        Arrays.fill(bb, (byte) 'B');
        b.d.writeBytes(buf, bb);
        assertEquals(VirtioBlk.S_OK, b.write(0, buf, 512)); // partial write to a frozen block
        assertEquals(VirtioBlk.S_OK, b.write(40, buf, 4096)); // block 5, new after the freeze
        assertSame(frozenBlock0, view.block(0));
        assertArrayEquals(a, view.block(0), "the frozen block keeps its contents");
        assertNull(view.block(5));
        assertEquals(0, view.nextBlock(0));
        assertEquals(-1, view.nextBlock(1));
        assertEquals(1, dev.overlay().copyOnWriteCount());
        assertNotSame(frozenBlock0, dev.overlay().block(0));

        long back = b.d.alloc(4096, 4096);
        assertEquals(VirtioBlk.S_OK, b.read(0, back, 4096));
        byte[] expect = a.clone();
        Arrays.fill(expect, 0, 512, (byte) 'B');
        assertArrayEquals(expect, b.d.readBytes(back, 4096));

        view.release();
        FrozenOverlay second = dev.freezeOverlay();
        assertTrue(second.writtenInEpoch(0));
        assertTrue(second.writtenInEpoch(5));
        assertFalse(second.writtenInEpoch(1));
        assertEquals(2, second.presentBlocks());
        assertEquals(5, second.nextBlock(1));
        second.release();
        // After release, writes go in place again.
        byte[] live = dev.overlay().block(5);
        assertEquals(VirtioBlk.S_OK, b.write(40, buf, 512));
        assertSame(live, dev.overlay().block(5));
        assertArrayEquals(original, Files.readAllBytes(image));
    }

    @Test
    void overlayRestoredIntoAFreshDeviceReadsTheSame() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | BLK_FEATURES);
        long buf = b.d.alloc(8192, 4096);
        byte[] data = new byte[8192];
        new Random(3).nextBytes(data);
        b.d.writeBytes(buf, data);
        assertEquals(VirtioBlk.S_OK, b.write(17, buf, 8192));
        assertEquals(VirtioBlk.S_OK, b.write(1000, buf, 1024));

        FrozenOverlay view = dev.freezeOverlay();
        VirtioBlk fresh = open(false, false);
        int n = 0;
        for (long blk = view.nextBlock(0); blk >= 0; blk = view.nextBlock(blk + 1)) {
            fresh.restoreOverlayBlock(blk, view.block(blk));
            n++;
        }
        view.release();
        assertEquals(dev.overlay().presentBlocks(), n);
        Blk c = Blk.start(fresh, VERSION_1 | BLK_FEATURES);
        long x = b.d.alloc(IMAGE_SIZE / 4, 4096);
        long y = c.d.alloc(IMAGE_SIZE / 4, 4096);
        assertEquals(VirtioBlk.S_OK, b.read(0, x, IMAGE_SIZE / 4));
        assertEquals(VirtioBlk.S_OK, c.read(0, y, IMAGE_SIZE / 4));
        assertArrayEquals(b.d.readBytes(x, IMAGE_SIZE / 4), c.d.readBytes(y, IMAGE_SIZE / 4));
        // Removing a restored block shows the base again.
        fresh.restoreOverlayBlock(125, null);
        assertEquals(VirtioBlk.S_OK, c.read(1000, y, 512));
        assertArrayEquals(fileRange(512000, 512), c.d.readBytes(y, 512));
        fresh.clearOverlay();
        assertEquals(0, fresh.overlay().presentBlocks());
        assertEquals(VirtioBlk.S_OK, c.read(17, y, 512));
        assertArrayEquals(fileRange(17 * 512, 512), c.d.readBytes(y, 512));
    }

    @Test
    void baseImageHash() throws Exception {
        VirtioBlk dev = open(false, false);
        String expect = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(original));
        assertEquals(expect, dev.baseImageSha256());
        assertEquals(image.toAbsolutePath(), dev.baseImagePath());
        byte[] block = new byte[4096];
        dev.readBaseBlock(3, block);
        assertArrayEquals(fileRange(3 * 4096, 4096), block);
        Path odd = dir.resolve("odd.img");
        Files.write(odd, Arrays.copyOf(original, 4096 + 1024));
        try (VirtioBlk small = new VirtioBlk(odd)) {
            assertEquals(10, small.capacitySectors());
            small.readBaseBlock(1, block);
            byte[] tail = new byte[4096];
            System.arraycopy(original, 4096, tail, 0, 1024);
            assertArrayEquals(tail, block, "past the end of the file reads as zeros");
            assertThrows(IllegalArgumentException.class, () -> small.readBaseBlock(2, new byte[4096]));
        }
    }

    @Test
    void stateRoundTripMidStreamContinuesIdentically() throws Exception {
        VirtioBlk dev = open(false, false);
        Blk b = Blk.start(dev, VERSION_1 | INDIRECT | EVENT_IDX | BLK_FEATURES);
        long buf = b.d.alloc(4096, 4096);
        byte[] data = new byte[4096];
        new Random(9).nextBytes(data);
        b.d.writeBytes(buf, data);
        for (int i = 0; i < 20; i++) assertEquals(VirtioBlk.S_OK, b.write(i * 9L, buf, 4096));
        // A read made available but not yet notified when the checkpoint is taken.
        long dst = b.d.alloc(8192, 4096);
        b.header(VirtioBlk.T_IN, 9);
        int pending = b.q.addChain(Buf.in(b.header, 16), Buf.out(dst, 8192), Buf.out(b.status, 1));
        b.q.publish(pending);

        byte[] saved = Snapshots.save(b.d.mmio);
        FrozenOverlay view = dev.freezeOverlay();
        GuestMemory mem2 = Snapshots.copyOf(b.d.memory);
        VirtioBlk dev2 = open(false, false);
        for (long blk = view.nextBlock(0); blk >= 0; blk = view.nextBlock(blk + 1)) dev2.restoreOverlayBlock(blk, view.block(blk));
        view.release();
        RecordingIrq irq2 = new RecordingIrq();
        VirtioMmio mmio2 = new VirtioMmio("virtio0", mem2, irq2, dev2);
        Snapshots.load(mmio2, saved);
        assertArrayEquals(saved, Snapshots.save(mmio2));

        TestDriver d2 = new TestDriver(mem2, mmio2, irq2);
        d2.setHeapNext(b.d.heapNext());
        TestQueue q2 = new TestQueue(d2, 0, 16, b.q.desc, b.q.avail, b.q.used);
        q2.nextDesc = b.q.nextDesc;
        q2.availIdx = b.q.availIdx;
        q2.lastUsedIdx = b.q.lastUsedIdx;
        Blk c = new Blk(d2, q2, b.header, b.status);

        for (Blk x : List.of(b, c)) {
            x.q.kick();
            assertEquals(List.of(new Used(pending, 8193)), x.q.takeUsed());
            assertEquals(VirtioBlk.S_OK, x.write(3, buf, 2048));
            assertEquals(VirtioBlk.S_OK, x.read(0, dst, 8192));
        }
        assertTrue(Snapshots.sameContents(b.d.memory, mem2));
        assertArrayEquals(Snapshots.save(b.d.mmio), Snapshots.save(mmio2));
        assertEquals(b.d.irq.level, irq2.level);
    }

    @Test
    void badRecordsGiveStateFormatException() throws Exception {
        VirtioBlk dev = open(false, false);
        byte[] rec = Snapshots.save(dev);
        assertThrows(StateFormatException.class, () -> Snapshots.load(open(false, false), Snapshots.truncated(rec, 1)));
        assertThrows(StateFormatException.class, () -> dev.loadState(new StateReader("blk", rec), 2));
        assertThrows(StateFormatException.class, () -> Snapshots.load(open(true, false), rec), "read-only differs");
        Path small = dir.resolve("small.img");
        Files.write(small, new byte[4096]);
        VirtioBlk other = new VirtioBlk(small);
        opened.add(other);
        assertThrows(StateFormatException.class, () -> Snapshots.load(other, rec), "capacity differs");
        Snapshots.load(open(false, false), rec);
    }
}
