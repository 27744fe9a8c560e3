package org.vmckpt.machine.device.virtio;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * The guest's writes to a disk as 4 KiB blocks over a read-only base image: a block present here replaces the
 * base image's block. At most {@code memoryLimitBlocks} live blocks are kept on the heap; the rest go to a
 * {@link SpillFile} (owner-only, unlinked at once), so a guest that writes its whole disk cannot exhaust the
 * host's memory.
 *
 * <p>Blocks sit in a two-level table (chunks of 1024 entries), so {@link #freeze()} copies only the top level
 * — one reference per 4 MiB of disk — exactly as guest memory freezes its page references. An entry is a
 * {@code byte[]} (in memory) or a {@link Spilled} slot. After a freeze, the first write to a frozen chunk clones
 * the chunk's entry array and the first write to a frozen block copies the block to new storage (heap or a new
 * spill slot), so the frozen view never changes while a saver reads it. Spill slots replaced while a frozen
 * view still holds them are freed when the view is released. A block written whole as zeros (a file system's
 * zeroed tables, a restore's ZERO blocks) is the {@link #ZERO} entry: no array and no spill slot of its own, so a
 * zeroed region costs the collector nothing to copy and the memory bound nothing.
 *
 * <p>Heap bound: live blocks (zero blocks not counted) at most {@code memoryLimitBlocks} x 4 KiB, plus as much again held only by a frozen
 * view while a checkpoint is saved, plus the table (about 4 bytes per 4 KiB block of disk size, plus 16 bytes
 * per spilled block).
 *
 * <p>Threading: the machine's run thread is the only writer; a saver thread may read a {@link FrozenOverlay}.
 */
public final class DiskOverlay implements AutoCloseable {
    public static final int BLOCK_SHIFT = 12;
    public static final int BLOCK_SIZE = 1 << BLOCK_SHIFT;
    /** Heap the overlay's blocks may use unless configured otherwise. */
    public static final long DEFAULT_MEMORY_BYTES = 64L << 20;
    static final int CHUNK_SHIFT = 10;
    static final int CHUNK_BLOCKS = 1 << CHUNK_SHIFT;
    static final int CHUNK_MASK = CHUNK_BLOCKS - 1;
    /** The entry of a block that is all zeros. Identity matters, as for {@link Spilled}. */
    static final Object ZERO = new Object();
    /** What a zero block reads as; shared, never written. */
    private static final byte[] ZEROS = new byte[BLOCK_SIZE];

    /** A block kept in the spill file. Identity matters: the live table and a frozen view share one while unchanged. */
    static final class Spilled {
        final int slot;

        Spilled(int slot) { this.slot = slot; }
    }

    private final long blockCount;
    private final long memoryLimitBlocks;
    private final SpillFile spill;
    private Object[][] chunks;
    /** Top level at the last freeze while a saver still reads it; else null. Changed under {@link #frozenLock}. */
    private volatile Object[][] frozen;
    private final Object frozenLock = new Object();
    /** Spill slots the live table no longer uses but the frozen view does: freed at release. */
    private int[] retired = new int[16];
    private int retiredCount;
    private BitSet written = new BitSet();
    private long presentBlocks;
    private long memoryBlocks;
    private long zeroBlocks;
    private long copyOnWriteCount;
    /** Whole-block writes compared with 4 KiB of zeros ({@link #restoreZeroBlocks} makes none). */
    private long zeroCompares;

    /**
     * @param blockCount        4 KiB blocks the disk spans
     * @param memoryLimitBytes  heap for live blocks; beyond it blocks go to the spill file
     * @param spillDir          directory for the spill file (null: the JVM's temporary directory)
     */
    public DiskOverlay(long blockCount, long memoryLimitBytes, Path spillDir) {
        if (blockCount < 0 || blockCount > Integer.MAX_VALUE) throw new IllegalArgumentException("disk too large: " + blockCount + " blocks");
        if (memoryLimitBytes < 0) throw new IllegalArgumentException("the disk overlay's memory limit must not be negative");
        this.blockCount = blockCount;
        this.memoryLimitBlocks = memoryLimitBytes / BLOCK_SIZE;
        this.spill = new SpillFile(spillDir);
        this.chunks = new Object[(int) ((blockCount + CHUNK_MASK) >>> CHUNK_SHIFT)][];
    }

    public DiskOverlay(long blockCount) {
        this(blockCount, DEFAULT_MEMORY_BYTES, null);
    }

    /** Number of 4 KiB blocks the disk spans (the last may be partial). */
    public long blockCount() { return blockCount; }

    /** Blocks currently held (written by the guest or restored). */
    public long presentBlocks() { return presentBlocks; }

    /** Blocks of the live table held on the heap (at most the memory limit). */
    public long memoryBlocks() { return memoryBlocks; }

    /** Blocks of the live table held in the spill file. */
    public long spilledBlocks() { return presentBlocks - memoryBlocks - zeroBlocks; }

    /** Blocks of the live table that are all zeros (held as {@link #ZERO}: no storage of their own). */
    public long zeroBlocks() { return zeroBlocks; }

    /** The most blocks the live table keeps on the heap. */
    public long memoryLimitBlocks() { return memoryLimitBlocks; }

    public long copyOnWriteCount() { return copyOnWriteCount; }

    /** Whole-block writes (the guest's, or {@link #restoreBlock}'s) that were compared with 4 KiB of zeros. */
    public long zeroCompareCount() { return zeroCompares; }

    public boolean isFrozen() { return frozen != null; }

    /** Whether the overlay holds block {@code b}. */
    public boolean contains(long b) {
        return entry(chunks, b) != null;
    }

    /**
     * The block's data, or null if the base image holds it. Callers must not write into it. A block kept in
     * memory is returned as is (a zero block as one shared array of zeros); a spilled block is read into a new array.
     */
    public byte[] block(long b) {
        Object e = entry(chunks, b);
        return e == null ? null : contents(e, true);
    }

    /** Copies block {@code b} into {@code dst} (4 KiB) and returns true, or returns false if the base image holds it. */
    public boolean read(long b, byte[] dst) throws IOException {
        Object e = entry(chunks, b);
        if (e == null) return false;
        if (e == ZERO) java.util.Arrays.fill(dst, 0, BLOCK_SIZE, (byte) 0);
        else if (e instanceof byte[] a) System.arraycopy(a, 0, dst, 0, BLOCK_SIZE);
        else spill.read(((Spilled) e).slot, dst);
        return true;
    }

    /** Whether the live block {@code b} is still the one {@code view} holds (not written since the freeze). */
    public boolean sameAs(FrozenOverlay view, long b) {
        return entry(chunks, b) == view.entry(b);
    }

    /**
     * Writes {@code length} bytes of {@code src} into block {@code b} at {@code offset}. If the overlay does not
     * hold the block yet, it starts as {@code initial} (the base image's contents), or undefined if
     * {@code initial} is null (the caller then writes the whole block).
     */
    void write(long b, int offset, byte[] src, int srcOffset, int length, byte[] initial) throws IOException {
        int c = (int) (b >>> CHUNK_SHIFT);
        int i = (int) (b & CHUNK_MASK);
        Object[][] f = frozen;
        Object[] chunk = chunks[c];
        if (chunk == null) {
            chunk = new Object[CHUNK_BLOCKS];
            chunks[c] = chunk;
        } else if (f != null && f[c] == chunk) {
            chunk = chunk.clone();
            chunks[c] = chunk;
        }
        Object e = chunk[i];
        if (length == BLOCK_SIZE) {
            zeroCompares++;
            if (isZeros(src, srcOffset)) {
                putZero(chunk, e, b, c, i);
                return;
            }
        }
        if (e == null) {
            e = store(initial);
            chunk[i] = e;
            presentBlocks++;
        } else if (e == ZERO) {
            // Never written into: the block gets storage of its own, starting as zeros where the write leaves it.
            zeroBlocks--;
            e = store(length == BLOCK_SIZE ? null : ZEROS);
            chunk[i] = e;
        } else if (f != null && f[c] != null && f[c][i] == e) {
            byte[] before = length == BLOCK_SIZE ? null : contents(e, false);
            drop(e, c, i); // first, so a heap block given up makes room for its copy
            Object copy = store(before);
            chunk[i] = copy;
            e = copy;
            copyOnWriteCount++;
        }
        if (e instanceof byte[] a) System.arraycopy(src, srcOffset, a, offset, length);
        else spill.write(((Spilled) e).slot, offset, src, srcOffset, length);
        written.set((int) b);
    }

    /** Block {@code b}, whose entry in its (writable) chunk is {@code e}, becomes the zero entry. */
    private void putZero(Object[] chunk, Object e, long b, int c, int i) {
        if (e == null) presentBlocks++;
        else if (e != ZERO) drop(e, c, i); // a frozen view keeps what it holds, as on a copy
        if (e != ZERO) zeroBlocks++;
        chunk[i] = ZERO;
        written.set((int) b);
    }

    /** Block {@code b}'s chunk, made if absent and cloned first if a frozen view shares it: one the caller may write. */
    private Object[] writableChunk(int c) {
        Object[] chunk = chunks[c];
        if (chunk == null) {
            chunk = new Object[CHUNK_BLOCKS];
            chunks[c] = chunk;
        } else {
            Object[][] f = frozen;
            if (f != null && f[c] == chunk) {
                chunk = chunk.clone();
                chunks[c] = chunk;
            }
        }
        return chunk;
    }

    /**
     * Replaces blocks {@code from} to {@code from + count - 1} with zeros (a restore's ZERO blocks): each becomes the zero
     * entry directly, with no compare of 4 KiB against zeros and no array handed over. Counts as writes.
     */
    public void restoreZeroBlocks(long from, long count) {
        if (count < 0 || from < 0 || from + count > blockCount) {
            throw new IllegalArgumentException("blocks " + from + " + " + count + " outside the disk's " + blockCount);
        }
        for (long b = from, end = from + count; b < end; b++) {
            int c = (int) (b >>> CHUNK_SHIFT);
            int i = (int) (b & CHUNK_MASK);
            Object[] chunk = writableChunk(c);
            putZero(chunk, chunk[i], b, c, i);
        }
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
            int i = (int) (b & CHUNK_MASK);
            if (chunks[c] == null || chunks[c][i] == null) return;
            Object[][] f = frozen;
            if (f != null && f[c] == chunks[c]) chunks[c] = chunks[c].clone();
            drop(chunks[c][i], c, i);
            chunks[c][i] = null;
            presentBlocks--;
            written.set((int) b);
            return;
        }
        try {
            write(b, 0, data, 0, BLOCK_SIZE, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the disk overlay's spill file: " + e.getMessage(), e);
        }
    }

    /** Removes every block (restore into a device that has run). */
    public void clear() {
        for (int c = 0; c < chunks.length; c++) {
            if (chunks[c] == null) continue;
            for (int i = 0; i < CHUNK_BLOCKS; i++) if (chunks[c][i] != null) drop(chunks[c][i], c, i);
        }
        chunks = new Object[chunks.length][];
        presentBlocks = 0;
        memoryBlocks = 0;
        zeroBlocks = 0;
        written = new BitSet();
    }

    /**
     * Ends the current epoch and freezes the overlay: returns an immutable view of its blocks and the blocks
     * written during the ending epoch. Until {@link FrozenOverlay#release()}, writes to frozen blocks copy first.
     */
    public FrozenOverlay freeze() {
        if (frozen != null) throw new IllegalStateException("the disk overlay is already frozen by a checkpoint in progress");
        Object[][] refs = chunks.clone();
        BitSet writtenInEpoch = written;
        written = new BitSet();
        frozen = refs;
        return new FrozenOverlay(this, refs, writtenInEpoch, presentBlocks);
    }

    void unfreeze(Object[][] refs) {
        synchronized (frozenLock) {
            if (frozen != refs) return;
            frozen = null;
            for (int k = 0; k < retiredCount; k++) spill.free(retired[k]);
            retiredCount = 0;
        }
    }

    /** Next block at or after {@code from} that the overlay holds, or -1. */
    public long nextBlock(long from) {
        return nextBlock(chunks, from);
    }

    /** Frees the spill file. */
    @Override
    public void close() {
        spill.close();
    }

    /** The contents of an entry: the heap array itself (or a copy if {@code copy}), or the spilled block read back. */
    byte[] contents(Object e, boolean shareHeapArray) {
        if (e == ZERO) return shareHeapArray ? ZEROS : new byte[BLOCK_SIZE];
        if (e instanceof byte[] a) return shareHeapArray ? a : a.clone();
        byte[] data = new byte[BLOCK_SIZE];
        try {
            spill.read(((Spilled) e).slot, data);
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot read the disk overlay's spill file: " + ex.getMessage(), ex);
        }
        return data;
    }

    /** New storage for a block, on the heap while under the limit, else in the spill file; filled from {@code initial} if given. */
    private Object store(byte[] initial) throws IOException {
        if (memoryBlocks < memoryLimitBlocks) {
            memoryBlocks++;
            return initial == null ? new byte[BLOCK_SIZE] : initial.clone();
        }
        int slot = spill.allocate();
        if (initial != null) spill.write(slot, 0, initial, 0, BLOCK_SIZE);
        return new Spilled(slot);
    }

    /** The live table stops using entry {@code e} at (c, i): forget it, or keep its slot until the frozen view that holds it is released. */
    private void drop(Object e, int c, int i) {
        if (e == ZERO) {
            zeroBlocks--;
            return;
        }
        if (e instanceof byte[]) {
            memoryBlocks--;
            return;
        }
        int slot = ((Spilled) e).slot;
        synchronized (frozenLock) {
            Object[][] f = frozen;
            if (f != null && f[c] != null && f[c][i] == e) {
                if (retiredCount == retired.length) retired = java.util.Arrays.copyOf(retired, retired.length * 2);
                retired[retiredCount++] = slot;
            } else {
                spill.free(slot);
            }
        }
    }

    /** Whether the 4 KiB at {@code src[off..]} are all zeros (a vectorised compare; most data differs early). */
    private static boolean isZeros(byte[] src, int off) {
        return java.util.Arrays.mismatch(src, off, off + BLOCK_SIZE, ZEROS, 0, BLOCK_SIZE) < 0;
    }

    static Object entry(Object[][] table, long b) {
        if (b < 0 || (b >>> CHUNK_SHIFT) >= table.length) return null;
        Object[] chunk = table[(int) (b >>> CHUNK_SHIFT)];
        return chunk == null ? null : chunk[(int) (b & CHUNK_MASK)];
    }

    static long nextBlock(Object[][] table, long from) {
        if (from < 0) from = 0;
        int c = (int) (from >>> CHUNK_SHIFT);
        int i = (int) (from & CHUNK_MASK);
        for (; c < table.length; c++, i = 0) {
            Object[] chunk = table[c];
            if (chunk == null) continue;
            for (; i < CHUNK_BLOCKS; i++) {
                if (chunk[i] != null) return ((long) c << CHUNK_SHIFT) | i;
            }
        }
        return -1;
    }
}
