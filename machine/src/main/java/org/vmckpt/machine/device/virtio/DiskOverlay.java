package org.vmckpt.machine.device.virtio;

import java.util.BitSet;

/**
 * The guest's writes to a disk, kept in memory as 4 KiB blocks over a read-only base image: a block present
 * here replaces the base image's block.
 *
 * <p>Blocks sit in a two-level table (chunks of 1024 block references), so {@link #freeze()} copies only
 * the top level — one reference per 4 MiB of disk — exactly as guest memory freezes its page references.
 * After a freeze, the first write to a frozen chunk clones the chunk's reference array and the first write
 * to a frozen block clones the block, so the frozen view never changes while a saver reads it.
 *
 * <p>Threading: the machine's run thread is the only writer; a saver thread may read a {@link FrozenOverlay}.
 */
public final class DiskOverlay {
    public static final int BLOCK_SHIFT = 12;
    public static final int BLOCK_SIZE = 1 << BLOCK_SHIFT;
    static final int CHUNK_SHIFT = 10;
    static final int CHUNK_BLOCKS = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_BLOCKS - 1;

    private final long blockCount;
    private byte[][][] chunks;
    /** Top level at the last freeze while a saver still reads it; else null. */
    private volatile byte[][][] frozen;
    private BitSet written = new BitSet();
    private long presentBlocks;
    private long copyOnWriteCount;
    private long epoch;

    public DiskOverlay(long blockCount) {
        if (blockCount < 0 || blockCount > Integer.MAX_VALUE) throw new IllegalArgumentException("disk too large: " + blockCount + " blocks");
        this.blockCount = blockCount;
        this.chunks = new byte[(int) ((blockCount + CHUNK_MASK) >>> CHUNK_SHIFT)][][];
    }

    /** Number of 4 KiB blocks the disk spans (the last may be partial). */
    public long blockCount() { return blockCount; }

    /** Blocks currently held (written by the guest or restored). */
    public long presentBlocks() { return presentBlocks; }

    public long copyOnWriteCount() { return copyOnWriteCount; }

    public boolean isFrozen() { return frozen != null; }

    /** The block's data, or null if the base image holds it. Callers must not write into it. */
    public byte[] block(long b) {
        byte[][] chunk = chunks[(int) (b >>> CHUNK_SHIFT)];
        return chunk == null ? null : chunk[(int) (b & CHUNK_MASK)];
    }

    /**
     * The array to write block {@code b} through: a private copy if the block is frozen, a new block filled
     * by {@code initial} (the base image's contents) if the overlay did not hold it.
     */
    byte[] blockForWrite(long b, byte[] initial) {
        int c = (int) (b >>> CHUNK_SHIFT);
        int i = (int) (b & CHUNK_MASK);
        byte[][][] f = frozen;
        byte[][] chunk = chunks[c];
        if (chunk == null) {
            chunk = new byte[CHUNK_BLOCKS][];
            chunks[c] = chunk;
        } else if (f != null && f[c] == chunk) {
            chunk = chunk.clone();
            chunks[c] = chunk;
        }
        byte[] data = chunk[i];
        if (data == null) {
            data = initial.clone();
            chunk[i] = data;
            presentBlocks++;
        } else if (f != null && f[c] != null && f[c][i] == data) {
            data = data.clone();
            chunk[i] = data;
            copyOnWriteCount++;
        }
        written.set((int) b);
        return data;
    }

    /**
     * Replaces block {@code b} (restore, reset): {@code data == null} removes it, so the base image shows
     * through again. Counts as a write.
     */
    public void restoreBlock(long b, byte[] data) {
        if (b < 0 || b >= blockCount) throw new IllegalArgumentException("block " + b + " outside the disk's " + blockCount);
        if (data != null && data.length != BLOCK_SIZE) throw new IllegalArgumentException("block must be 4096 bytes");
        if (data == null) {
            int c = (int) (b >>> CHUNK_SHIFT);
            if (chunks[c] == null || chunks[c][(int) (b & CHUNK_MASK)] == null) return;
            byte[][][] f = frozen;
            if (f != null && f[c] == chunks[c]) chunks[c] = chunks[c].clone();
            chunks[c][(int) (b & CHUNK_MASK)] = null;
            presentBlocks--;
            written.set((int) b);
            return;
        }
        byte[] target = blockForWrite(b, data);
        System.arraycopy(data, 0, target, 0, BLOCK_SIZE);
    }

    /** Removes every block (restore into a device that has run). */
    public void clear() {
        chunks = new byte[chunks.length][][];
        presentBlocks = 0;
        written = new BitSet();
    }

    /**
     * Ends the current epoch and freezes the overlay: returns an immutable view of its blocks and the blocks
     * written during the ending epoch. Until {@link FrozenOverlay#release()}, writes to frozen blocks copy first.
     */
    public FrozenOverlay freeze() {
        if (frozen != null) throw new IllegalStateException("the disk overlay is already frozen by a checkpoint in progress");
        byte[][][] refs = chunks.clone();
        BitSet writtenInEpoch = written;
        written = new BitSet();
        epoch++;
        frozen = refs;
        return new FrozenOverlay(this, refs, writtenInEpoch, presentBlocks, epoch);
    }

    void unfreeze(byte[][][] refs) {
        if (frozen == refs) frozen = null;
    }

    /** Next block at or after {@code from} that the overlay holds, or -1. */
    public long nextBlock(long from) {
        return nextBlock(chunks, from);
    }

    static long nextBlock(byte[][][] table, long from) {
        if (from < 0) from = 0;
        int c = (int) (from >>> CHUNK_SHIFT);
        int i = (int) (from & CHUNK_MASK);
        for (; c < table.length; c++, i = 0) {
            byte[][] chunk = table[c];
            if (chunk == null) continue;
            for (; i < CHUNK_BLOCKS; i++) {
                if (chunk[i] != null) return ((long) c << CHUNK_SHIFT) | i;
            }
        }
        return -1;
    }
}
