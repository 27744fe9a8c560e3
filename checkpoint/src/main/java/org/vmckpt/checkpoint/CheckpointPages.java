package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;

/**
 * How a checkpoint's pages and disk blocks map onto a machine, in one place for the capture, eager and lazy
 * restore, and reset: disk-block and source pages refer to files ({@link PageSources}), and the overlay blocks of every
 * disk share the checkpoint's one block space, with the disk's index in the key's high bits.
 */
final class CheckpointPages {
    /**
     * Disk {@code d}'s block {@code b} is key {@code d << 32 | b}: a disk has fewer than 2^31 blocks (DiskOverlay)
     * and at most 64 disks keep keys below the store's 2^40 limit. (It was 48, which put every block of disks
     * 1 and up past that limit: a checkpoint failed as soon as the guest had written to a second disk. No
     * stored checkpoint can hold such a key, so disk 0's keys, the only ones ever stored, are unchanged.)
     */
    private static final int DISK_SHIFT = 32;

    private CheckpointPages() { }

    /** The key of overlay block {@code block} of disk {@code disk} in the checkpoint's block space. */
    static long diskKey(int disk, long block) {
        return ((long) disk << DISK_SHIFT) | block;
    }

    static int diskOf(long key) {
        return (int) (key >>> DISK_SHIFT);
    }

    static long blockOf(long key) {
        return key & ((1L << DISK_SHIFT) - 1);
    }

    /**
     * Fills {@code dst} with page {@code idx} as the checkpoint holds it: DATA from its pack (CRC checked),
     * SOURCE from the file it refers to, SOURCE_DELTA as the stored XOR applied to the boot file's page, DISK_BLOCK
     * (older checkpoints) from disk 0's base image, ZERO and FREE as zeros. Returns the kind.
     */
    static PageKind read(Checkpoint ckpt, PageSources sources, int idx, byte[] dst) throws IOException {
        PageKind kind = ckpt.readPage(idx, dst);
        if (kind == PageKind.DISK_BLOCK) {
            sources.readDisk0Block(ckpt, idx, ckpt.pageDiskBlock(idx), dst);
        } else if (kind == PageKind.SOURCE) {
            sources.read(ckpt, idx, ckpt.pageSource(idx), ckpt.pageSourceSector(idx), dst);
        } else if (kind == PageKind.SOURCE_DELTA) {
            // dst holds the stored XOR; readers run on several threads: no shared buffer
            BootFileDeltaBases.applyPage(ckpt, sources, idx, dst, new byte[GuestMemory.PAGE_SIZE]);
        }
        return kind;
    }

    /**
     * After page {@code idx} was installed from the checkpoint: if the checkpoint stored it as a reference (SOURCE or
     * DISK_BLOCK), guest memory remembers that origin again, so a later full checkpoint may refer to it too.
     */
    static void recordOrigin(Checkpoint ckpt, GuestMemory mem, int idx) {
        PageKind kind = ckpt.pageKind(idx);
        if (kind == PageKind.SOURCE) mem.recordOrigin(idx, ckpt.pageSource(idx), ckpt.pageSourceSector(idx));
        else if (kind == PageKind.DISK_BLOCK) mem.recordOrigin(idx, PageOrigin.DISK_FIRST, ckpt.pageDiskBlock(idx) * PageOrigin.SECTORS_PER_PAGE);
    }
}
