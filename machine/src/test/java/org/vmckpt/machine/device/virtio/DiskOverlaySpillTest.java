package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;

/**
 * Issue 8, item 1: a guest that writes more to its disk than the overlay may keep on the heap must not grow the
 * heap: the overlay keeps at most its bound in memory and spills the rest to a file, with the same
 * copy-on-write behaviour for frozen views.
 */
class DiskOverlaySpillTest {
    private static final int DISK_BLOCKS = 2048; // 8 MiB
    private static final long MEMORY_BLOCKS = 16; // 64 KiB of heap for the overlay

    @TempDir
    Path dir;

    private static byte[] pattern(long block, int generation) {
        byte[] b = new byte[4096];
        for (int i = 0; i < b.length; i += 8) {
            long v = block * 1_000_003L + generation * 7919L + i;
            for (int k = 0; k < 8; k++) b[i + k] = (byte) (v >>> (8 * k));
        }
        return b;
    }

    @Test
    void aGuestWritingItsWholeDiskStaysWithinTheOverlaysMemoryBound() throws Exception {
        Path image = dir.resolve("disk.img");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "rw")) {
            f.setLength((long) DISK_BLOCKS * 4096);
        }
        Path spill = Files.createDirectory(dir.resolve("spill"));
        try (VirtioBlk dev = new VirtioBlk(image, false, false, MEMORY_BLOCKS * 4096, spill)) {
            TestDriver d = TestDriver.create(dev);
            d.negotiate(1L << VirtioMmio.F_VERSION_1);
            TestQueue q = d.setupQueue(0, 16);
            d.driverOk();
            long header = d.alloc(16, 16), status = d.alloc(1, 1), buf = d.alloc(4096, 4096);

            // dd if=/dev/zero of=/dev/vda, but with distinct contents per block so a mix-up would show.
            for (long blk = 0; blk < DISK_BLOCKS; blk++) {
                d.writeBytes(buf, pattern(blk, 0));
                assertEquals(VirtioBlk.S_OK, request(d, q, header, status, VirtioBlk.T_OUT, blk * 8, Buf.in(buf, 4096)));
                assertTrue(dev.overlay().memoryBlocks() <= MEMORY_BLOCKS, "heap blocks " + dev.overlay().memoryBlocks());
            }
            assertEquals(DISK_BLOCKS, dev.overlay().presentBlocks());
            assertEquals(DISK_BLOCKS - MEMORY_BLOCKS, dev.overlay().spilledBlocks());
            try (java.util.stream.Stream<Path> s = Files.list(spill)) {
                assertEquals(0, s.count(), "the spill file is unlinked at once: nothing left behind, nothing for other users to open");
            }

            // Freeze (a live checkpoint), then the guest overwrites everything while the saver reads the view.
            FrozenOverlay view = dev.freezeOverlay();
            for (long blk = 0; blk < DISK_BLOCKS; blk += 3) {
                d.writeBytes(buf, pattern(blk, 1));
                assertEquals(VirtioBlk.S_OK, request(d, q, header, status, VirtioBlk.T_OUT, blk * 8, Buf.in(buf, 512)));
                assertTrue(dev.overlay().memoryBlocks() <= MEMORY_BLOCKS);
            }
            for (long blk = 0; blk < DISK_BLOCKS; blk++) {
                assertArrayEquals(pattern(blk, 0), view.block(blk), "frozen block " + blk + " kept its contents");
                assertEquals(blk % 3 != 0, dev.overlay().sameAs(view, blk));
            }
            view.release();

            for (long blk = 0; blk < DISK_BLOCKS; blk++) {
                assertEquals(VirtioBlk.S_OK, request(d, q, header, status, VirtioBlk.T_IN, blk * 8, Buf.out(buf, 4096)));
                byte[] expect = pattern(blk, 0);
                if (blk % 3 == 0) System.arraycopy(pattern(blk, 1), 0, expect, 0, 512);
                assertArrayEquals(expect, d.readBytes(buf, 4096), "block " + blk + " reads back what the guest wrote");
            }

            // Released copy-on-write slots are reused: writing everything again does not grow the spill file's use.
            for (long blk = 0; blk < DISK_BLOCKS; blk++) dev.overlay().restoreBlock(blk, pattern(blk, 2));
            assertEquals(DISK_BLOCKS, dev.overlay().presentBlocks());
            assertArrayEquals(pattern(DISK_BLOCKS - 1, 2), dev.overlay().block(DISK_BLOCKS - 1));
            dev.overlay().clear();
            assertEquals(0, dev.overlay().presentBlocks());
            assertFalse(dev.overlay().contains(5));
        }
    }

    private static int request(TestDriver d, TestQueue q, long header, long status, int type, long sector, Buf data) {
        d.memory.write32(header, type);
        d.memory.write32(header + 4, 0);
        d.memory.write64(header + 8, sector);
        d.memory.write8(status, 0xff);
        q.submit(Buf.in(header, 16), data, Buf.out(status, 1));
        List<TestQueue.Used> used = q.takeUsed();
        assertEquals(1, used.size());
        return d.memory.read8(status);
    }
}
