package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.VirtioBlk;

import java.io.IOException;
import java.util.List;

/**
 * How a checkpoint's pages and disk blocks map onto a machine, in one place for the capture, eager and lazy
 * restore, and reset: disk-block pages refer to the first disk's base image, and the overlay blocks of every
 * disk share the checkpoint's one block space, with the disk's index in the key's high bits.
 */
final class CheckpointPages {
    private static final int DISK_SHIFT = 48;

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

    /** The disk whose base image DISK_BLOCK pages refer to, or null if the machine has no disk. */
    static VirtioBlk firstDisk(Machine m) {
        List<VirtioBlk> disks = m.virtio().disks();
        return disks.isEmpty() ? null : disks.get(0);
    }

    /**
     * Fills {@code dst} with page {@code idx} as the checkpoint holds it: DATA from its pack (CRC checked),
     * DISK_BLOCK from {@code disk0}'s base image, ZERO and FREE as zeros. Returns the kind.
     */
    static PageKind read(Checkpoint ckpt, VirtioBlk disk0, int idx, byte[] dst) throws IOException {
        PageKind kind = ckpt.readPage(idx, dst);
        if (kind == PageKind.DISK_BLOCK) {
            if (disk0 == null) {
                throw new IOException("checkpoint " + ckpt.id() + ": page " + idx + " refers to a disk block, but the machine has no disk");
            }
            disk0.readBaseBlock(ckpt.pageDiskBlock(idx), dst);
        }
        return kind;
    }
}
