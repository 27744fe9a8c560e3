package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block written whole as zeros is held as the overlay's zero entry: no heap array and no spill slot of its own
 * (a restore's ZERO blocks, a file system's zeroed tables), and it behaves in every other way as a block of zeros
 * would: it reads as zeros, a later partial write starts from zeros, a frozen view keeps what it saw.
 */
class DiskOverlayZeroBlockTest {
    @TempDir
    Path dir;

    private static byte[] filled(int value) {
        byte[] b = new byte[DiskOverlay.BLOCK_SIZE];
        java.util.Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void zeroBlocksTakeNoStorageAndReadAsZeros() throws Exception {
        try (DiskOverlay o = new DiskOverlay(4096, 4L * DiskOverlay.BLOCK_SIZE, dir)) {
            for (long b = 0; b < 1000; b++) o.restoreBlock(b, new byte[DiskOverlay.BLOCK_SIZE]);
            assertEquals(1000, o.presentBlocks());
            assertEquals(1000, o.zeroBlocks());
            assertEquals(0, o.memoryBlocks(), "zero blocks hold no heap array");
            assertEquals(0, o.spilledBlocks(), "nor a spill slot");
            byte[] dst = filled(0x55);
            assertTrue(o.read(7, dst));
            assertArrayEquals(new byte[DiskOverlay.BLOCK_SIZE], dst);
            assertArrayEquals(new byte[DiskOverlay.BLOCK_SIZE], o.block(999));
            assertFalse(o.contains(1000));

            // The memory bound is still there for real data: four on the heap, the rest spilled.
            for (long b = 1000; b < 1010; b++) o.restoreBlock(b, filled((int) b));
            assertEquals(4, o.memoryBlocks());
            assertEquals(6, o.spilledBlocks());
            for (long b = 1000; b < 1010; b++) assertArrayEquals(filled((int) b), o.block(b));
        }
    }

    @Test
    void aPartialWriteToAZeroBlockStartsFromZeros() throws Exception {
        try (DiskOverlay o = new DiskOverlay(64)) {
            o.restoreBlock(3, new byte[DiskOverlay.BLOCK_SIZE]);
            byte[] src = {1, 2, 3, 4};
            o.write(3, 100, src, 0, 4, null);
            byte[] expect = new byte[DiskOverlay.BLOCK_SIZE];
            System.arraycopy(src, 0, expect, 100, 4);
            assertArrayEquals(expect, o.block(3));
            assertEquals(0, o.zeroBlocks());
            assertEquals(1, o.memoryBlocks());
            assertEquals(1, o.presentBlocks());
            // Written whole as zeros again: back to the zero entry, its array given up.
            o.write(3, 0, new byte[DiskOverlay.BLOCK_SIZE], 0, DiskOverlay.BLOCK_SIZE, null);
            assertEquals(1, o.zeroBlocks());
            assertEquals(0, o.memoryBlocks());
            assertEquals(1, o.presentBlocks());
            o.restoreBlock(3, null);
            assertEquals(0, o.zeroBlocks());
            assertEquals(0, o.presentBlocks());
        }
    }

    @Test
    void aFrozenViewKeepsWhatItSawAcrossZeroWrites() throws Exception {
        try (DiskOverlay o = new DiskOverlay(64, 2L * DiskOverlay.BLOCK_SIZE, dir)) {
            o.restoreBlock(1, filled(0x11));          // heap
            o.restoreBlock(2, filled(0x22));          // heap
            o.restoreBlock(3, filled(0x33));          // spilled
            o.restoreBlock(4, new byte[DiskOverlay.BLOCK_SIZE]); // zero
            FrozenOverlay view = o.freeze();
            for (long b = 1; b <= 3; b++) o.restoreBlock(b, new byte[DiskOverlay.BLOCK_SIZE]);
            o.restoreBlock(4, filled(0x44));
            assertArrayEquals(filled(0x11), view.block(1));
            assertArrayEquals(filled(0x22), view.block(2));
            assertArrayEquals(filled(0x33), view.block(3), "a spilled block replaced by zeros keeps its slot until release");
            assertArrayEquals(new byte[DiskOverlay.BLOCK_SIZE], view.block(4));
            for (long b = 1; b <= 3; b++) assertArrayEquals(new byte[DiskOverlay.BLOCK_SIZE], o.block(b));
            assertArrayEquals(filled(0x44), o.block(4));
            assertFalse(o.sameAs(view, 4));
            view.release();
            assertEquals(3, o.zeroBlocks());
            assertEquals(4, o.presentBlocks());
            // The live block 4 went to the heap; the heap bound counts only it now, so two more fit before spilling.
            assertEquals(1, o.memoryBlocks());
            assertEquals(0, o.spilledBlocks());
        }
    }

    /**
     * A restore's ZERO extents go in as zero entries directly (round 74): the same state as blocks of zeros written
     * whole, with no compare of 4 KiB against zeros; over heap, spilled and frozen blocks alike, across a chunk's end.
     */
    @Test
    void zeroExtentsGoInAsZeroEntriesWithoutACompare() throws Exception {
        try (DiskOverlay o = new DiskOverlay(4096, 2L * DiskOverlay.BLOCK_SIZE, dir);
             DiskOverlay w = new DiskOverlay(4096, 2L * DiskOverlay.BLOCK_SIZE, dir)) {
            for (DiskOverlay x : new DiskOverlay[] {o, w}) {
                x.restoreBlock(1020, filled(0x11)); // heap
                x.restoreBlock(1021, filled(0x22)); // heap
                x.restoreBlock(1022, filled(0x33)); // spilled
                x.restoreBlock(1030, new byte[DiskOverlay.BLOCK_SIZE]); // already zero
            }
            FrozenOverlay view = o.freeze();
            long compares = o.zeroCompareCount();
            o.restoreZeroBlocks(1018, 16); // 1018..1033: over the blocks above and across the chunk's end at 1024
            assertEquals(compares, o.zeroCompareCount(), "no block compared with zeros");
            for (long b = 1018; b < 1034; b++) w.restoreBlock(b, new byte[DiskOverlay.BLOCK_SIZE]);
            assertTrue(w.zeroCompareCount() >= 16, "blocks handed as arrays are compared: " + w.zeroCompareCount());
            for (long b = 1010; b < 1040; b++) {
                assertEquals(w.contains(b), o.contains(b), "block " + b);
                if (w.contains(b)) assertArrayEquals(w.block(b), o.block(b), "block " + b);
            }
            assertEquals(w.presentBlocks(), o.presentBlocks());
            assertEquals(w.zeroBlocks(), o.zeroBlocks());
            assertEquals(16, o.zeroBlocks());
            assertEquals(w.memoryBlocks(), o.memoryBlocks());
            assertEquals(0, o.memoryBlocks(), "the heap blocks given up");
            // The frozen view still sees what it froze; the blocks count as written in the new epoch.
            assertArrayEquals(filled(0x11), view.block(1020));
            assertArrayEquals(filled(0x33), view.block(1022), "a spilled block keeps its slot until release");
            assertFalse(view.contains(1019));
            view.release();
            FrozenOverlay next = o.freeze();
            for (long b = 1018; b < 1034; b++) assertTrue(next.writtenInEpoch(b), "written: " + b);
            next.release();
            assertThrows(IllegalArgumentException.class, () -> o.restoreZeroBlocks(4090, 7), "past the disk's end");
            assertThrows(IllegalArgumentException.class, () -> o.restoreZeroBlocks(-1, 1));
        }
    }
}
