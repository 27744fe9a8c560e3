package org.vmckpt.checkpoint.migration;

import com.github.luben.zstd.Zstd;
import org.vmckpt.machine.memory.GuestMemory;

/**
 * The PAGES and DISK frames: up to 64 units (guest pages or disk-overlay blocks) per frame, as the repository
 * packs them. A table of unit numbers and kinds, then the data units concatenated and compressed with zstd
 * (level 1: the link, not the CPU, should be the limit). Zero pages and absent blocks carry no data.
 */
final class PageFrames {
    private PageFrames() { }

    static final int ZSTD_LEVEL = 1;
    private static final int UNIT = GuestMemory.PAGE_SIZE;

    /** A decoded unit: its number and its data (null: zero page / absent block). */
    interface UnitConsumer {
        void unit(long number, byte[] data) throws MigrationException;
    }

    /** PAGES payload: count, then per page its index and kind, then the compressed data. */
    static byte[] encodePages(int[] index, byte[][] data, int n) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(n);
        for (int k = 0; k < n; k++) w.i32(index[k]).u8(data[k] == null ? MigrationWire.PAGE_ZERO : MigrationWire.PAGE_DATA);
        return w.bytes(compress(data, n)).toByteArray();
    }

    /** DISK payload: disk number, count, then per block its number and kind, then the compressed data. */
    static byte[] encodeBlocks(int disk, long[] block, byte[][] data, int n) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(disk).i32(n);
        for (int k = 0; k < n; k++) w.i64(block[k]).u8(data[k] == null ? MigrationWire.BLOCK_ABSENT : MigrationWire.BLOCK_DATA);
        return w.bytes(compress(data, n)).toByteArray();
    }

    private static byte[] compress(byte[][] data, int n) {
        int count = 0;
        for (int k = 0; k < n; k++) if (data[k] != null) count++;
        byte[] raw = new byte[count * UNIT];
        int at = 0;
        for (int k = 0; k < n; k++) {
            if (data[k] == null) continue;
            System.arraycopy(data[k], 0, raw, at, UNIT);
            at += UNIT;
        }
        return count == 0 ? raw : Zstd.compress(raw, ZSTD_LEVEL);
    }

    static void decodePages(MigrationWire.Payload p, int pageCount, UnitConsumer out) throws MigrationException {
        int n = p.count(MigrationWire.PAGES_PER_FRAME, "page count");
        long[] index = new long[n];
        boolean[] hasData = new boolean[n];
        for (int k = 0; k < n; k++) {
            int i = p.i32();
            if (i < 0 || i >= pageCount) throw p.malformed("page " + i + " is outside the guest's " + pageCount + " pages");
            index[k] = i;
            int kind = p.u8();
            if (kind != MigrationWire.PAGE_ZERO && kind != MigrationWire.PAGE_DATA) throw p.malformed("unknown page kind " + kind);
            hasData[k] = kind == MigrationWire.PAGE_DATA;
        }
        deliver(p, index, hasData, n, out);
    }

    /** Returns the disk number; blocks are checked against {@code blockCounts}. */
    static int decodeBlocks(MigrationWire.Payload p, long[] blockCounts, UnitConsumer out) throws MigrationException {
        int disk = p.i32();
        if (disk < 0 || disk >= blockCounts.length) throw p.malformed("disk " + disk + " does not exist (the machine has " + blockCounts.length + ")");
        int n = p.count(MigrationWire.PAGES_PER_FRAME, "block count");
        long[] block = new long[n];
        boolean[] hasData = new boolean[n];
        for (int k = 0; k < n; k++) {
            long b = p.i64();
            if (b < 0 || b >= blockCounts[disk]) throw p.malformed("block " + b + " is outside disk " + disk + "'s " + blockCounts[disk] + " blocks");
            block[k] = b;
            int kind = p.u8();
            if (kind != MigrationWire.BLOCK_ABSENT && kind != MigrationWire.BLOCK_DATA) throw p.malformed("unknown block kind " + kind);
            hasData[k] = kind == MigrationWire.BLOCK_DATA;
        }
        deliver(p, block, hasData, n, out);
        return disk;
    }

    private static void deliver(MigrationWire.Payload p, long[] number, boolean[] hasData, int n, UnitConsumer out) throws MigrationException {
        int count = 0;
        for (int k = 0; k < n; k++) if (hasData[k]) count++;
        byte[] packed = p.bytes(MigrationWire.MAX_PAYLOAD, "data length");
        p.end();
        byte[] raw;
        if (count == 0) {
            if (packed.length != 0) throw p.malformed("data for no data units");
            raw = packed;
        } else {
            long size = Zstd.decompressedSize(packed);
            if (size != (long) count * UNIT) throw p.malformed("its data decompresses to " + size + " bytes, not " + count + " units");
            try {
                raw = Zstd.decompress(packed, count * UNIT);
            } catch (RuntimeException e) {
                throw p.malformed("its data does not decompress (" + e.getMessage() + ")");
            }
            if (raw.length != count * UNIT) throw p.malformed("its data decompresses to " + raw.length + " bytes, not " + count + " units");
        }
        int at = 0;
        for (int k = 0; k < n; k++) {
            byte[] unit = null;
            if (hasData[k]) {
                unit = java.util.Arrays.copyOfRange(raw, at, at + UNIT);
                at += UNIT;
            }
            out.unit(number[k], unit);
        }
    }
}
