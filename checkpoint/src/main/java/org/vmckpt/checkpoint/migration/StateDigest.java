package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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

    private final int[] pages;
    private final TreeMap<Long, Integer> blocks = new TreeMap<>();

    StateDigest(int pageCount) {
        pages = new int[pageCount];
        java.util.Arrays.fill(pages, ZERO_PAGE_CRC);
    }

    static int crc(byte[] page) {
        if (page == null) return ZERO_PAGE_CRC;
        CRC32C c = new CRC32C();
        c.update(page, 0, page.length);
        return (int) c.getValue();
    }

    void page(int idx, int crc) {
        pages[idx] = crc;
    }

    /** A disk-overlay block now holds {@code data}, or (null) is absent again. */
    void block(long key, byte[] data) {
        if (data == null) blocks.remove(key);
        else blocks.put(key, crc(data));
    }

    /** SHA-256 over the records (in order) and, if {@code withPages}, the page table; always the disk blocks. */
    byte[] digest(Iterable<StateRecord> records, boolean withPages) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (StateRecord r : records) {
                d.update(r.name().getBytes(StandardCharsets.UTF_8));
                d.update(intBytes(r.version()));
                d.update(intBytes(r.payload().length));
                d.update(r.payload());
            }
            if (withPages) {
                byte[] buf = new byte[4 * 1024];
                int k = 0;
                for (int crc : pages) {
                    buf[k++] = (byte) (crc >>> 24);
                    buf[k++] = (byte) (crc >>> 16);
                    buf[k++] = (byte) (crc >>> 8);
                    buf[k++] = (byte) crc;
                    if (k == buf.length) {
                        d.update(buf);
                        k = 0;
                    }
                }
                d.update(buf, 0, k);
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
