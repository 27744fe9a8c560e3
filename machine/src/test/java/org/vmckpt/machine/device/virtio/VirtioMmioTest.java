package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.device.virtio.TestQueue.Used;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;

/** The transport and the split virtqueue, driven through the registers with the entropy device behind them. */
class VirtioMmioTest {
    private static final long VERSION_1 = 1L << VirtioMmio.F_VERSION_1;
    private static final long INDIRECT = 1L << VirtioMmio.F_RING_INDIRECT_DESC;
    private static final long EVENT_IDX = 1L << VirtioMmio.F_RING_EVENT_IDX;
    private static final long SEED = 42;

    private static TestDriver rngDriver() {
        return TestDriver.create(new VirtioRng(new SplittableRandom(SEED)));
    }

    /** Negotiates {@code features}, sets up queue 0 with {@code size} entries and sets DRIVER_OK. */
    private static TestQueue ready(TestDriver d, long features, int size) {
        d.negotiate(features);
        TestQueue q = d.setupQueue(0, size);
        d.driverOk();
        return q;
    }

    private static byte[] expectedRandom(SplittableRandom r, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i += 8) {
            long x = r.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) b[i + j] = (byte) (x >>> (8 * j));
        }
        return b;
    }

    @Test
    void identificationRegisters() {
        TestDriver d = rngDriver();
        assertEquals(0x74726976, d.read(VirtioMmio.REG_MAGIC));
        assertEquals(2, d.read(VirtioMmio.REG_VERSION));
        assertEquals(VirtioRng.DEVICE_ID, d.read(VirtioMmio.REG_DEVICE_ID));
        assertEquals(0x554d4551, d.read(VirtioMmio.REG_VENDOR_ID));
        long offered = d.offeredFeatures();
        assertEquals(VERSION_1 | INDIRECT | EVENT_IDX, offered);
        assertEquals(-1, d.read(VirtioMmio.REG_SHM_LEN_LOW));
        assertEquals(0, d.read(0x0f0), "unknown register reads as zero");
        assertEquals(0, d.mmio.read(VirtioMmio.REG_MAGIC, 2), "registers take 32-bit accesses only");
        d.write(VirtioMmio.REG_QUEUE_SEL, 7);
        assertEquals(0, d.read(VirtioMmio.REG_QUEUE_NUM_MAX), "no such queue");
        d.write(VirtioMmio.REG_QUEUE_SEL, 0);
        assertEquals(VirtioRng.QUEUE_SIZE, d.read(VirtioMmio.REG_QUEUE_NUM_MAX));
    }

    @Test
    void featuresOkIsRefusedWithoutVersion1OrWithUnofferedBits() {
        TestDriver d = rngDriver();
        int st = VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER;
        d.write(VirtioMmio.REG_STATUS, st);
        d.writeDriverFeatures(INDIRECT);
        d.write(VirtioMmio.REG_STATUS, st | VirtioMmio.STATUS_FEATURES_OK);
        assertEquals(st, d.status(), "legacy driver refused");
        d.writeDriverFeatures(VERSION_1 | 1L << 40);
        d.write(VirtioMmio.REG_STATUS, st | VirtioMmio.STATUS_FEATURES_OK);
        assertEquals(st, d.status(), "feature never offered refused");
        d.writeDriverFeatures(VERSION_1 | INDIRECT);
        d.write(VirtioMmio.REG_STATUS, st | VirtioMmio.STATUS_FEATURES_OK);
        assertEquals(st | VirtioMmio.STATUS_FEATURES_OK, d.status());
        assertEquals(VERSION_1 | INDIRECT, d.mmio.negotiatedFeatures());
        d.writeDriverFeatures(VERSION_1);
        assertEquals(VERSION_1 | INDIRECT, d.mmio.negotiatedFeatures(), "features are final after FEATURES_OK");
    }

    @Test
    void entropyRequestIsFilledAndInterrupts() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1, 16);
        long buf = d.alloc(100, 8);
        int head = q.submit(Buf.out(buf, 100));
        assertEquals(List.of(new Used(head, 100)), q.takeUsed());
        assertArrayEquals(expectedRandom(new SplittableRandom(SEED), 100), d.readBytes(buf, 100));
        assertTrue(d.irq.level);
        assertEquals(VirtioMmio.INT_USED_BUFFER, d.takeInterrupt());
        assertFalse(d.irq.level, "ack lowers the line");
        assertNull(d.mmio.lastError());
    }

    @Test
    void chainSplitOverSeveralBuffersAndIndirectTable() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1 | INDIRECT, 8);
        long a = d.alloc(10, 1);
        long b = d.alloc(30, 1);
        long c = d.alloc(5, 1);
        long e = d.alloc(3, 1);
        q.submit(Buf.out(a, 10), Buf.out(b, 30));
        int h = q.addIndirect(Buf.out(c, 5), Buf.out(e, 3));
        q.publish(h);
        q.kick();
        List<Used> used = q.takeUsed();
        assertEquals(2, used.size());
        assertEquals(40, used.get(0).len());
        assertEquals(new Used(h, 8), used.get(1));
        SplittableRandom r = new SplittableRandom(SEED);
        byte[] first = expectedRandom(r, 40);
        byte[] got = new byte[40];
        System.arraycopy(d.readBytes(a, 10), 0, got, 0, 10);
        System.arraycopy(d.readBytes(b, 30), 0, got, 10, 30);
        assertArrayEquals(first, got);
        byte[] second = expectedRandom(r, 8);
        assertArrayEquals(java.util.Arrays.copyOf(second, 5), d.readBytes(c, 5));
        assertArrayEquals(java.util.Arrays.copyOfRange(second, 5, 8), d.readBytes(e, 3));
        assertNull(d.mmio.lastError());
    }

    @Test
    void notifyBeforeDriverOkIsDeliveredAtDriverOk() {
        TestDriver d = rngDriver();
        d.negotiate(VERSION_1);
        TestQueue q = d.setupQueue(0, 8);
        long buf = d.alloc(16, 8);
        int head = q.submit(Buf.out(buf, 16));
        assertTrue(q.takeUsed().isEmpty(), "nothing is consumed before DRIVER_OK");
        assertFalse(d.irq.level);
        d.driverOk();
        assertEquals(List.of(new Used(head, 16)), q.takeUsed());
        assertTrue(d.irq.level);
    }

    @Test
    void resetClearsQueuesInterruptsAndStatus() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1, 8);
        q.submit(Buf.out(d.alloc(8, 8), 8));
        assertTrue(d.irq.level);
        d.write(VirtioMmio.REG_STATUS, 0);
        assertEquals(0, d.status());
        assertFalse(d.irq.level);
        assertEquals(0, d.read(VirtioMmio.REG_INTERRUPT_STATUS));
        d.write(VirtioMmio.REG_QUEUE_SEL, 0);
        assertEquals(0, d.read(VirtioMmio.REG_QUEUE_READY));
        // The driver starts over and the device works again from index 0.
        TestQueue q2 = ready(d, VERSION_1, 8);
        int head = q2.submit(Buf.out(d.alloc(8, 8), 8));
        assertEquals(List.of(new Used(head, 8)), q2.takeUsed());
    }

    @Test
    void noInterruptFlagSuppressesTheInterrupt() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1, 8);
        q.setAvailFlags(Virtqueue.AVAIL_F_NO_INTERRUPT);
        q.submit(Buf.out(d.alloc(8, 8), 8));
        assertEquals(1, q.takeUsed().size());
        assertFalse(d.irq.level);
        q.setAvailFlags(0);
        q.submit(Buf.out(d.alloc(8, 8), 8));
        assertTrue(d.irq.level);
    }

    @Test
    void eventIdxFollowsUsedEventAndPublishesAvailEvent() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1 | EVENT_IDX, 8);
        long buf = d.alloc(8, 8);
        q.submit(Buf.out(buf, 8));
        assertEquals(1, q.availEvent(), "device asks to be kicked for the next buffer");
        assertEquals(VirtioMmio.INT_USED_BUFFER, d.takeInterrupt(), "first interrupt is always sent");
        q.setUsedEvent(2); // interrupt me when the used entry with index 2 is written
        q.submit(Buf.out(buf, 8)); // used idx 1 -> 2
        assertFalse(d.irq.level);
        q.submit(Buf.out(buf, 8)); // used idx 2 -> 3
        assertTrue(d.irq.level);
        assertEquals(3, q.availEvent());
        assertEquals(3, q.takeUsed().size());
    }

    @Test
    void ringOutsideRamMarksNeedsReset() {
        TestDriver d = rngDriver();
        d.negotiate(VERSION_1);
        d.write(VirtioMmio.REG_QUEUE_SEL, 0);
        d.write(VirtioMmio.REG_QUEUE_NUM, 8);
        d.write(VirtioMmio.REG_QUEUE_DESC_LOW, 0x1000); // below RAM
        d.write(VirtioMmio.REG_QUEUE_DRIVER_LOW, (int) TestDriver.HEAP);
        d.write(VirtioMmio.REG_QUEUE_DRIVER_HIGH, 0);
        d.write(VirtioMmio.REG_QUEUE_DEVICE_LOW, (int) (TestDriver.HEAP + 0x1000));
        d.write(VirtioMmio.REG_QUEUE_READY, 1);
        assertEquals(0, d.read(VirtioMmio.REG_QUEUE_READY));
        assertTrue(d.needsReset());
        assertNotNull(d.mmio.lastError());
    }

    @Test
    void queueSizeNotPowerOfTwoMarksNeedsReset() {
        TestDriver d = rngDriver();
        d.negotiate(VERSION_1);
        TestQueue q = new TestQueue(d, 0, 6, d.alloc(96, 16), d.alloc(32, 2), d.alloc(64, 4));
        q.configure();
        assertTrue(d.needsReset());
    }

    /** Builds one malformed request after a good setup, kicks, and checks the device is broken, not crashed. */
    private interface BadChain {
        void build(TestDriver d, TestQueue q);
    }

    private static void assertBroken(long features, BadChain bad) {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, features, 8);
        bad.build(d, q);
        q.kick();
        assertTrue(d.needsReset(), "DEVICE_NEEDS_RESET expected");
        assertNotNull(d.mmio.lastError());
        assertEquals(VirtioMmio.INT_CONFIG_CHANGE, d.takeInterrupt() & VirtioMmio.INT_CONFIG_CHANGE);
        // Further notifications are ignored until reset.
        q.takeUsed();
        q.submit(Buf.out(d.alloc(8, 8), 8));
        assertTrue(q.takeUsed().isEmpty(), "a broken device consumes nothing");
        // A reset brings it back.
        d.write(VirtioMmio.REG_STATUS, 0);
        assertFalse(d.needsReset());
        TestQueue q2 = ready(d, VERSION_1, 8);
        int head = q2.submit(Buf.out(d.alloc(8, 8), 8));
        assertEquals(List.of(new Used(head, 8)), q2.takeUsed());
    }

    @Test
    void bufferOutsideRam() {
        assertBroken(VERSION_1, (d, q) -> q.publish(q.addChain(Buf.out(TestDriver.RAM_BASE + TestDriver.RAM_SIZE - 4, 8))));
        assertBroken(VERSION_1, (d, q) -> q.publish(q.addChain(Buf.out(0x1000, 8))));
        assertBroken(VERSION_1, (d, q) -> q.publish(q.addChain(Buf.out(-4096L, 8192))));
    }

    @Test
    void descriptorLoop() {
        assertBroken(VERSION_1, (d, q) -> {
            long buf = d.alloc(8, 8);
            q.writeDescriptor(q.desc, 0, buf, 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 1);
            q.writeDescriptor(q.desc, 1, buf, 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 0);
            q.publish(0);
        });
        assertBroken(VERSION_1, (d, q) -> {
            q.writeDescriptor(q.desc, 3, d.alloc(8, 8), 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 3);
            q.publish(3);
        });
    }

    @Test
    void nextIndexOrHeadOutOfRange() {
        assertBroken(VERSION_1, (d, q) -> {
            q.writeDescriptor(q.desc, 0, d.alloc(8, 8), 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 8);
            q.publish(0);
        });
        assertBroken(VERSION_1, (d, q) -> q.publish(200));
    }

    @Test
    void availableIndexJumpingPastTheQueueSize() {
        assertBroken(VERSION_1, (d, q) -> d.memory.write16(q.avail + 2, 9));
    }

    @Test
    void readableAfterWritable() {
        assertBroken(VERSION_1, (d, q) -> q.publish(q.addChain(Buf.out(d.alloc(8, 8), 8), Buf.in(d.alloc(8, 8), 8))));
    }

    @Test
    void indirectViolations() {
        // Not negotiated.
        assertBroken(VERSION_1, (d, q) -> q.publish(q.addIndirect(Buf.out(d.alloc(8, 8), 8))));
        // Table length not a multiple of 16.
        assertBroken(VERSION_1 | INDIRECT, (d, q) -> {
            int h = q.addIndirect(Buf.out(d.alloc(8, 8), 8));
            d.memory.write32(q.desc + 16L * h + 8, 24);
            q.publish(h);
        });
        // Too long: more than 1024 descriptors.
        assertBroken(VERSION_1 | INDIRECT, (d, q) -> {
            long table = d.alloc(16 * 1025, 16);
            q.writeDescriptor(q.desc, 0, table, 16 * 1025, Virtqueue.DESC_F_INDIRECT, 0);
            q.publish(0);
        });
        // Nested indirect table.
        assertBroken(VERSION_1 | INDIRECT, (d, q) -> {
            long inner = d.alloc(16, 16);
            q.writeDescriptor(inner, 0, d.alloc(8, 8), 8, Virtqueue.DESC_F_WRITE, 0);
            long outer = d.alloc(16, 16);
            q.writeDescriptor(outer, 0, inner, 16, Virtqueue.DESC_F_INDIRECT, 0);
            q.writeDescriptor(q.desc, 0, outer, 16, Virtqueue.DESC_F_INDIRECT, 0);
            q.publish(0);
        });
        // Loop inside an indirect table.
        assertBroken(VERSION_1 | INDIRECT, (d, q) -> {
            long table = d.alloc(32, 16);
            long buf = d.alloc(8, 8);
            q.writeDescriptor(table, 0, buf, 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 1);
            q.writeDescriptor(table, 1, buf, 8, Virtqueue.DESC_F_WRITE | Virtqueue.DESC_F_NEXT, 0);
            q.writeDescriptor(q.desc, 0, table, 32, Virtqueue.DESC_F_INDIRECT, 0);
            q.publish(0);
        });
        // Table outside RAM.
        assertBroken(VERSION_1 | INDIRECT, (d, q) -> {
            q.writeDescriptor(q.desc, 0, 0x10000, 32, Virtqueue.DESC_F_INDIRECT, 0);
            q.publish(0);
        });
    }

    @Test
    void zeroLengthDescriptorsAreIgnored() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1, 8);
        long buf = d.alloc(16, 8);
        int head = q.submit(Buf.out(0x10, 0), Buf.out(buf, 16), Buf.out(buf, 0));
        assertEquals(List.of(new Used(head, 16)), q.takeUsed());
        int empty = q.submit(Buf.out(buf, 0));
        assertEquals(List.of(new Used(empty, 0)), q.takeUsed());
        assertFalse(d.needsReset());
    }

    @Test
    void wrongWidthAndStrayWritesNeverThrow() {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1, 8);
        for (long off = 0; off < VirtioMmio.WINDOW_SIZE; off += 4) {
            for (int size : new int[] {1, 2, 4, 8}) {
                d.mmio.read(off, size);
            }
        }
        d.mmio.write(VirtioMmio.REG_QUEUE_NOTIFY, 4, 0xffff_ffffL);
        d.mmio.write(VirtioMmio.REG_QUEUE_NOTIFY, 4, 12345);
        d.mmio.write(VirtioMmio.REG_STATUS, 1, 0); // not a 32-bit access: ignored
        assertNotEquals(0, d.status());
        d.mmio.write(VirtioMmio.REG_CONFIG + 3, 4, 1);
        assertFalse(d.needsReset());
        q.submit(Buf.out(d.alloc(8, 8), 8));
        assertEquals(1, q.takeUsed().size());
    }

    @Test
    void stateRoundTripContinuesIdentically() throws Exception {
        TestDriver d = rngDriver();
        TestQueue q = ready(d, VERSION_1 | EVENT_IDX | INDIRECT, 8);
        long buf = d.alloc(64, 8);
        for (int i = 0; i < 11; i++) q.submit(Buf.out(buf, 16)); // wraps the ring
        q.setUsedEvent(20);
        // A buffer made available but not yet notified: the restored device must find it.
        int pending = q.addChain(Buf.out(buf, 24));
        q.publish(pending);
        d.mmio.write(VirtioMmio.REG_INTERRUPT_ACK, 4, 0);

        byte[] saved = Snapshots.save(d.mmio);
        GuestMemory memCopy = Snapshots.copyOf(d.memory);
        RecordingIrq irq2 = new RecordingIrq();
        VirtioMmio restored = new VirtioMmio("virtio0", memCopy, irq2, new VirtioRng(new SplittableRandom(SEED)));
        Snapshots.load(restored, saved);
        assertArrayEquals(saved, Snapshots.save(restored));
        assertEquals(d.irq.level, irq2.level);

        TestDriver d2 = new TestDriver(memCopy, restored, irq2);
        d2.setHeapNext(d.heapNext());
        TestQueue q2 = new TestQueue(d2, 0, 8, q.desc, q.avail, q.used);
        q2.nextDesc = q.nextDesc;
        q2.availIdx = q.availIdx;
        q2.lastUsedIdx = q.lastUsedIdx;
        for (TestQueue t : List.of(q, q2)) {
            t.kick();
            t.submit(Buf.out(buf, 8));
        }
        assertEquals(q.takeUsed(), q2.takeUsed());
        assertEquals(d.read(VirtioMmio.REG_INTERRUPT_STATUS), d2.read(VirtioMmio.REG_INTERRUPT_STATUS));
        assertEquals(q.availEvent(), q2.availEvent());
        assertArrayEquals(Snapshots.save(d.mmio), Snapshots.save(restored));
    }

    @Test
    void badRecordsGiveStateFormatException() {
        TestDriver d = rngDriver();
        ready(d, VERSION_1, 8);
        byte[] saved = Snapshots.save(d.mmio);
        for (int drop = 1; drop < saved.length; drop += 3) {
            byte[] cut = Snapshots.truncated(saved, drop);
            VirtioMmio fresh = rngDriver().mmio;
            assertThrows(StateFormatException.class, () -> Snapshots.load(fresh, cut), "dropped " + drop);
        }
        VirtioMmio fresh = rngDriver().mmio;
        assertThrows(StateFormatException.class, () -> fresh.loadState(new StateReader("virtio0", saved), 99));
        byte[] longer = java.util.Arrays.copyOf(saved, saved.length + 1);
        assertThrows(StateFormatException.class, () -> Snapshots.load(rngDriver().mmio, longer));
        // A record from another kind of device.
        VirtioMmio blkLike = new VirtioMmio("virtio0", new GuestMemory(TestDriver.RAM_BASE, TestDriver.RAM_SIZE),
                new RecordingIrq(), new VirtioBalloon());
        assertThrows(StateFormatException.class, () -> Snapshots.load(blkLike, saved));
    }

    @Test
    void virtqueueAndRngRecordsRejectUnknownVersions() {
        GuestMemory m = new GuestMemory(TestDriver.RAM_BASE, TestDriver.RAM_SIZE);
        Virtqueue vq = new Virtqueue(m, 0, 8, e -> { });
        byte[] rec = Snapshots.save(vq);
        assertThrows(StateFormatException.class, () -> vq.loadState(new StateReader("q", rec), 2));
        assertThrows(StateFormatException.class, () -> Snapshots.load(vq, Snapshots.truncated(rec, 1)));
        VirtioRng rng = new VirtioRng(new SplittableRandom(1));
        assertThrows(StateFormatException.class, () -> rng.loadState(new StateReader("rng", new byte[0]), 2));
        assertThrows(StateFormatException.class, () -> rng.loadState(new StateReader("rng", new byte[1]), 1));
    }
}
