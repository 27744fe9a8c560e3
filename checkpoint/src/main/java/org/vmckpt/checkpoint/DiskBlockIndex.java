package org.vmckpt.checkpoint;

import org.vmckpt.machine.device.virtio.VirtioBlk;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Finds guest pages that equal a 4 KiB block of a disk's base image, so the page can be stored as a reference
 * to the block (page-cache eviction, as Park et al. did on Xen). The base image never changes while it is
 * attached (writes go to the overlay, and restore checks its SHA-256), so a reference stays valid.
 *
 * <p>Built once per disk by reading the image: an open-addressing table from a 64-bit content hash to a block
 * number. A hash hit is confirmed by comparing the bytes, so a collision can never store a wrong reference.
 */
public final class DiskBlockIndex {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private final VirtioBlk disk;
    private final long[] keys;
    private final long[] blocks;
    private final int mask;
    private final byte[] scratch = new byte[4096];

    private DiskBlockIndex(VirtioBlk disk, int capacity) {
        this.disk = disk;
        int size = Integer.highestOneBit(Math.max(16, capacity * 2 - 1)) << 1;
        this.keys = new long[size];
        this.blocks = new long[size];
        Arrays.fill(blocks, -1);
        this.mask = size - 1;
    }

    /** Reads the whole base image and indexes its non-zero blocks. */
    public static DiskBlockIndex build(VirtioBlk disk) throws IOException {
        long n = disk.capacitySectors() / 8;
        if (n > (1L << 26)) throw new IOException("disk too large to index for page-cache eviction (" + n + " blocks)");
        DiskBlockIndex idx = new DiskBlockIndex(disk, (int) n);
        byte[] buf = new byte[4096];
        for (long b = 0; b < n; b++) {
            disk.readBaseBlock(b, buf);
            long h = hash(buf);
            if (h == ZERO_HASH) continue;
            idx.insert(h, b);
        }
        return idx;
    }

    private static final long ZERO_HASH = hash(new byte[4096]);

    static long hash(byte[] p) {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < 4096; i += 8) {
            h = Long.rotateLeft(h ^ (long) LONG.get(p, i), 29) * 0xBF58476D1CE4E5B9L;
        }
        return h ^ (h >>> 31);
    }

    private void insert(long h, long block) {
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (blocks[i] >= 0) {
            if (keys[i] == h) return; // keep the first block with this content
            i = (i + 1) & mask;
        }
        keys[i] = h;
        blocks[i] = block;
    }

    /** The base image block equal to {@code page}, or -1. Not thread-safe (one saver at a time). */
    public long find(byte[] page) throws IOException {
        long h = hash(page);
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (blocks[i] >= 0) {
            if (keys[i] == h) {
                disk.readBaseBlock(blocks[i], scratch);
                return Arrays.equals(scratch, page) ? blocks[i] : -1;
            }
            i = (i + 1) & mask;
        }
        return -1;
    }
}
