package org.vmckpt.machine.device.virtio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where a disk overlay keeps the blocks that do not fit its in-memory part: a file of 4 KiB slots. The file is
 * created on first use (owner-only), and unlinked at once, so it never outlives the process, even after a
 * crash, and no other user can open it. Freed slots are reused before the file grows.
 *
 * <p>Threading: slots are allocated and freed under this object's lock; reads and writes of distinct slots are
 * positional and may run on any thread.
 */
final class SpillFile {
    private static final int BLOCK = DiskOverlay.BLOCK_SIZE;

    private final Path dir;
    private FileChannel channel;
    private int nextSlot;
    private int[] free = new int[64];
    private int freeCount;

    SpillFile(Path dir) {
        this.dir = dir;
    }

    /** A slot to write a block into; its contents are undefined until written. */
    synchronized int allocate() throws IOException {
        if (channel == null) open();
        if (freeCount > 0) return free[--freeCount];
        if (nextSlot == Integer.MAX_VALUE) throw new IOException("the disk overlay's spill file is full");
        return nextSlot++;
    }

    synchronized void free(int slot) {
        if (freeCount == free.length) free = java.util.Arrays.copyOf(free, free.length * 2);
        free[freeCount++] = slot;
    }

    /** Slots in use (allocated and not freed). */
    synchronized long usedSlots() {
        return nextSlot - freeCount;
    }

    void write(int slot, int offset, byte[] src, int srcOffset, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(src, srcOffset, length);
        long pos = (long) slot * BLOCK + offset;
        while (buf.hasRemaining()) pos += channel.write(buf, pos);
    }

    void read(int slot, byte[] dst) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(dst, 0, BLOCK);
        long pos = (long) slot * BLOCK;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) { // a slot never written to its end reads as zeros
                java.util.Arrays.fill(dst, buf.position(), BLOCK, (byte) 0);
                return;
            }
            pos += n;
        }
    }

    synchronized void close() {
        if (channel == null) return;
        try {
            channel.close();
        } catch (IOException e) {
            // the file is already unlinked: closing frees its space whatever happens here
        }
        channel = null;
    }

    private void open() throws IOException {
        Path dirToUse = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Path f;
        try {
            f = Files.createTempFile(dirToUse, "vmckpt-disk-overlay-", ".spill",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new IOException("cannot create the disk overlay's spill file in " + dirToUse + ": " + e.getMessage()
                    + " (the guest wrote more to its disk than the overlay keeps in memory; give a writable directory)", e);
        }
        channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
        Files.deleteIfExists(f);
    }
}
