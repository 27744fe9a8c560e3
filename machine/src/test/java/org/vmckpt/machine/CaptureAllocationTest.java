package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.lang.management.ManagementFactory;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A capture into room made before it ({@link Machine#captureRoom}, {@link Machine#capture(CaptureRoom)}) allocates
 * almost nothing on its thread, with the balloon's three page sets full-sized for 1 GiB: an allocation inside a
 * checkpoint's pause that meets a full young generation runs the collector inside the pause (round 67). Until round 67
 * the capture allocated ~200-300 KB here (a writer per record grown by doubling, the balloon's sets copied by
 * {@code toLongArray} and by {@code clone}, the free set grown by ORs). The records are the bytes every part writes
 * with a writer of its own, and the free pages the union of the balloon's three sets.
 */
class CaptureAllocationTest {
    private static final long MEM = 1L << 30;
    /** The pause's own objects: the image, the frozen views' holders, memory's table of chunks (2 KiB for 1 GiB). */
    private static final long MOST = 16 * 1024;

    @Test
    void aCaptureIntoItsRoomAllocatesLittleAndWritesTheSameRecords() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeCounts(threads);
        Machine m = new Machine(new MachineConfig(MEM, null, null, "", null, null, List.of(), true, true, true), b -> { });
        int pages = m.memory().pageCount();
        BitSet inflated = randomPages(pages, 1, 0.05), reported = randomPages(pages, 2, 0.3), hinted = randomPages(pages, 3, 0.1);
        inflated.set(pages - 1); // every set as long as RAM allows
        reported.andNot(inflated);
        hinted.andNot(inflated);
        hinted.andNot(reported);
        reported.set(pages - 2);
        hinted.set(pages - 3);
        VirtioBalloon balloon = m.virtio().balloon();
        balloon.loadState(new StateReader(balloon.stateName(), balloonRecord(inflated, reported, hinted)), balloon.stateVersion());

        long allocated = Long.MAX_VALUE;
        MachineImage image = null;
        for (int round = 0; round < 20; round++) { // the smallest of a few: the first ones load and link classes
            if (image != null) image.release();
            CaptureRoom room = m.captureRoom();
            long a0 = threads.getCurrentThreadAllocatedBytes();
            image = m.capture(room);
            long a = threads.getCurrentThreadAllocatedBytes() - a0;
            allocated = Math.min(allocated, a);
        }
        try {
            System.out.println("a capture's allocation on its thread: " + allocated + " bytes");
            assertTrue(allocated < MOST, "a capture allocated " + allocated + " bytes in its pause; at most " + MOST + " expected");

            List<Snapshottable> parts = m.stateParts();
            assertEquals(parts.size(), image.recordCount());
            for (int i = 0; i < parts.size(); i++) {
                StateWriter own = new StateWriter();
                parts.get(i).saveState(own);
                assertArrayEquals(java.util.Arrays.copyOf(own.buffer(), own.size()), image.recordBytes(i),
                        "record " + image.recordName(i) + " as its part writes it alone");
                assertEquals(own.size(), image.recordLength(i));
            }
            BitSet free = (BitSet) inflated.clone();
            free.or(reported);
            free.or(hinted);
            assertEquals(free, image.freePages(), "the balloon's pages");
            assertEquals(inflated, balloon.inflatedPages());
            assertEquals(reported, balloon.reportedFreePages());
            assertEquals(hinted, balloon.hintedFreePages());
        } finally {
            image.release();
        }
    }

    @Test
    void aCaptureWithoutRoomAndOneWhoseRecordsOutgrewItsRoomStillHoldEveryRecord() throws Exception {
        Machine m = new Machine(new MachineConfig(16L << 20, null, null, "", null, null, List.of(), true, true, true), b -> { });
        CaptureRoom small = new CaptureRoom(8, m.stateParts().size(), new int[3]); // far too small: records and page sets grow
        MachineImage a = m.capture(small);
        a.release();
        MachineImage b = m.capture();
        b.release();
        for (MachineImage im : List.of(a, b)) {
            for (int i = 0; i < im.recordCount(); i++) {
                StateWriter own = new StateWriter();
                m.stateParts().get(i).saveState(own);
                assertArrayEquals(java.util.Arrays.copyOf(own.buffer(), own.size()), im.recordBytes(i));
            }
        }
        assertThrows(IllegalArgumentException.class, () -> m.capture(new CaptureRoom(8, 1, new int[3])),
                "a room for another machine");
    }

    /** The balloon's record (version 1) with these three sets, as VirtioBalloon.saveState writes one. */
    private static byte[] balloonRecord(BitSet inflated, BitSet reported, BitSet hinted) {
        StateWriter w = new StateWriter();
        w.writeInt(0).writeInt(0).writeByte(0).writeInt(VirtioBalloon.CMD_ID_DONE).writeInt(-1).writeLong(0).writeInt(0);
        w.writeLongs(inflated.toLongArray()).writeLongs(reported.toLongArray()).writeLongs(hinted.toLongArray());
        w.writeLong(inflated.cardinality()).writeLong(0).writeLong(reported.cardinality()).writeLong(hinted.cardinality()).writeLong(0);
        return java.util.Arrays.copyOf(w.buffer(), w.size());
    }

    private static BitSet randomPages(int pages, long seed, double share) {
        SplittableRandom r = new SplittableRandom(seed);
        BitSet s = new BitSet();
        for (int p = 0; p < pages; p++) if (r.nextDouble() < share) s.set(p);
        return s;
    }

    private static void assumeCounts(com.sun.management.ThreadMXBean threads) {
        org.junit.jupiter.api.Assumptions.assumeTrue(threads.isThreadAllocatedMemoryEnabled(), "the JVM counts allocation");
    }
}
