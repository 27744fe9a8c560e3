package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A digest of the migrated state, kept the same way on both ends: a CRC32C per guest page and per disk-overlay
 * block as last sent (or received), and the state records. {@link #digest} is SHA-256 over all of it; the
 * destination compares its own with the source's before the guest runs (post-copy: records and disk before, the
 * pages once the last one has arrived). It catches a page lost, misplaced or damaged anywhere between the
 * source's memory and the destination's; against an attacker on the path TLS is the guard (docs/MIGRATION.md).
 */
final class StateDigest {
    static final int ZERO_PAGE_CRC = crc(new byte[GuestMemory.PAGE_SIZE]);
    /** Pages per chunk of the page table: each chunk's SHA-256 is kept and recomputed only once it changed. */
    static final int CHUNK_PAGES = 1024;

    private final int[] pages;
    private final TreeMap<Long, Integer> blocks = new TreeMap<>();
    private final byte[][] chunkHashes;
    /** Chunks whose pages changed since their hash was last computed. */
    private final BitSet staleChunks = new BitSet();

    StateDigest(int pageCount) {
        pages = new int[pageCount];
        java.util.Arrays.fill(pages, ZERO_PAGE_CRC);
        chunkHashes = new byte[(pageCount + CHUNK_PAGES - 1) / CHUNK_PAGES][];
        staleChunks.set(0, chunkHashes.length);
    }

    static int crc(byte[] page) {
        if (page == null) return ZERO_PAGE_CRC;
        CRC32C c = new CRC32C();
        c.update(page, 0, page.length);
        return (int) c.getValue();
    }

    synchronized void page(int idx, int crc) {
        pages[idx] = crc;
        staleChunks.set(idx / CHUNK_PAGES);
    }

    /** A disk-overlay block now holds {@code data}, or (null) is absent again. */
    synchronized void block(long key, byte[] data) {
        if (data == null) blocks.remove(key);
        else blocks.put(key, crc(data));
    }

    /**
     * Hashes the chunks of the page table that changed since the last call. Both ends call it after each pre-copy
     * round (the guest still runs), so the switch-over's {@link #digest} hashes only what the last round changed.
     */
    synchronized void refresh() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[4 * CHUNK_PAGES];
            for (int c = staleChunks.nextSetBit(0); c >= 0; c = staleChunks.nextSetBit(c + 1)) {
                int first = c * CHUNK_PAGES, end = Math.min(pages.length, first + CHUNK_PAGES), k = 0;
                for (int i = first; i < end; i++) {
                    int crc = pages[i];
                    buf[k++] = (byte) (crc >>> 24);
                    buf[k++] = (byte) (crc >>> 16);
                    buf[k++] = (byte) (crc >>> 8);
                    buf[k++] = (byte) crc;
                }
                d.update(buf, 0, k);
                chunkHashes[c] = d.digest();
            }
            staleChunks.clear();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * SHA-256 over the records (in order) and, if {@code withPages}, the hashes of the page table's chunks of
     * {@link #CHUNK_PAGES} CRCs each; always the disk blocks.
     */
    synchronized byte[] digest(Iterable<StateRecord> records, boolean withPages) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (StateRecord r : records) {
                d.update(r.name().getBytes(StandardCharsets.UTF_8));
                d.update(intBytes(r.version()));
                d.update(intBytes(r.payload().length));
                d.update(r.payload());
            }
            if (withPages) {
                refresh();
                for (byte[] h : chunkHashes) d.update(h);
            }
            for (Map.Entry<Long, Integer> e : blocks.entrySet()) {
                d.update(longBytes(e.getKey()));
                d.update(intBytes(e.getValue()));
            }
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] intBytes(int v) {
        return new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static byte[] longBytes(long v) {
        byte[] b = new byte[8];
        for (int i = 0; i < 8; i++) b[i] = (byte) (v >>> (56 - 8 * i));
        return b;
    }
}
