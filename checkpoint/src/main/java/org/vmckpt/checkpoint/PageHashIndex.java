package org.vmckpt.checkpoint;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Finds 4 KiB pages by content among a fixed set of pages: a 64-bit hash of the whole page mapped to a value
 * (the first page added with that hash keeps it), behind a filter of hashes of 16 sampled words of the page.
 *
 * <p>Why the filter: a checkpoint or a migration asks for every data page the guest has, and most of them (a
 * workload's own data, the kernel's) are in no file. Hashing a whole page costs about a microsecond (512
 * dependent multiply steps); the sample costs 16 reads, and a page whose sample is not in the filter cannot equal
 * any indexed page. A page whose sample is (a mostly-zero page often is) pays for the whole-page hash as before.
 * A hit is only a candidate: callers confirm it (by SHA-256 digest). Primitive open-addressed tables: no boxing
 * and no allocation per lookup. Not thread-safe; built once, then only read.
 */
final class PageHashIndex {
    static final int PAGE = 4096;
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Marks an empty slot; a real hash equal to it is stored as {@link #EMPTY_STAND_IN}. */
    private static final long EMPTY = 0;
    private static final long EMPTY_STAND_IN = 1;

    private final long[] samples;
    private final long[] hashes;
    private final long[] values;
    private final int mask;
    private int size;

    /** An index for up to {@code capacity} pages. */
    PageHashIndex(int capacity) {
        int slots = Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) * 2; // load factor <= 1/2
        samples = new long[slots];
        hashes = new long[slots];
        values = new long[slots];
        mask = slots - 1;
    }

    /** Indexes {@code page} with {@code value} (ignored if a page with the same whole-page hash is already in). */
    void add(byte[] page, long value) {
        if (size * 2 >= samples.length) throw new IllegalStateException("PageHashIndex is full (" + size + " pages)");
        insertSample(storable(sampleHash(page)));
        long h = storable(hash(page));
        for (int i = slot(h); ; i = (i + 1) & mask) {
            if (hashes[i] == h) return;
            if (hashes[i] == EMPTY) {
                hashes[i] = h;
                values[i] = value;
                size++;
                return;
            }
        }
    }

    /** The value of the indexed page whose whole-page hash equals {@code page}'s, or -1 (then no indexed page equals it). */
    long candidate(byte[] page) {
        if (!containsSample(storable(sampleHash(page)))) return -1;
        long h = storable(hash(page));
        for (int i = slot(h); ; i = (i + 1) & mask) {
            if (hashes[i] == h) return values[i];
            if (hashes[i] == EMPTY) return -1;
        }
    }

    int size() {
        return size;
    }

    private void insertSample(long s) {
        for (int i = slot(s); ; i = (i + 1) & mask) {
            if (samples[i] == s) return;
            if (samples[i] == EMPTY) { samples[i] = s; return; }
        }
    }

    private boolean containsSample(long s) {
        for (int i = slot(s); ; i = (i + 1) & mask) {
            if (samples[i] == s) return true;
            if (samples[i] == EMPTY) return false;
        }
    }

    private int slot(long h) {
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private static long storable(long h) {
        return h == EMPTY ? EMPTY_STAND_IN : h;
    }

    /** A hash of 16 words spread over the page (one per 256 bytes). */
    static long sampleHash(byte[] p) {
        long h = 0x2545F4914F6CDD1DL;
        for (int i = 0; i < PAGE; i += 256) h = Long.rotateLeft(h ^ (long) LONG.get(p, i + 128), 29) * 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 31);
    }

    /** A 64-bit hash of the whole page, in four independent lanes (so the CPU overlaps their multiplies). */
    static long hash(byte[] p) {
        long a = 0x9E3779B97F4A7C15L, b = 0xC2B2AE3D27D4EB4FL, c = 0x165667B19E3779F9L, d = 0x27D4EB2F165667C5L;
        for (int i = 0; i < PAGE; i += 32) {
            a = Long.rotateLeft(a ^ (long) LONG.get(p, i), 29) * 0xBF58476D1CE4E5B9L;
            b = Long.rotateLeft(b ^ (long) LONG.get(p, i + 8), 29) * 0xBF58476D1CE4E5B9L;
            c = Long.rotateLeft(c ^ (long) LONG.get(p, i + 16), 29) * 0xBF58476D1CE4E5B9L;
            d = Long.rotateLeft(d ^ (long) LONG.get(p, i + 24), 29) * 0xBF58476D1CE4E5B9L;
        }
        long h = a ^ Long.rotateLeft(b, 17) ^ Long.rotateLeft(c, 31) ^ Long.rotateLeft(d, 47);
        h *= 0x94D049BB133111EBL;
        return h ^ (h >>> 29);
    }

    @Override
    public String toString() {
        return size + " pages";
    }
}
