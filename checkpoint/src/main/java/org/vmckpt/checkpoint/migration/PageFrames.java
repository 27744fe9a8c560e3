package org.vmckpt.checkpoint.migration;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.machine.memory.GuestMemory;

/**
 * The PAGES and DISK frames: up to 64 units (guest pages or disk-overlay blocks) per frame, as the repository
 * packs them. A table of unit numbers and kinds, then the data units concatenated and compressed with zstd
 * (level 1: the link, not the CPU, should be the limit), or stored as they are where zstd does not shrink them.
 * Zero pages, absent blocks and pages sent as references (to a file both ends hold) carry no data. One instance per thread: it keeps its zstd contexts (making one
 * per frame costs more than compressing the frame).
 */
final class PageFrames {
    static final int ZSTD_LEVEL = 1;
    private static final int UNIT = GuestMemory.PAGE_SIZE;
    private static final int STORED = 0;
    private static final int ZSTD = 1;

    /** The most a PAGES frame's page table takes a page: its index's step (5 bytes), kind, a reference's step (10). */
    static final int MAX_TABLE_PER_PAGE = 16;
    static final int MAX_TABLE = MigrationWire.PAGES_PER_FRAME * MAX_TABLE_PER_PAGE;
    /** 512-byte sectors in a page: the step between the references of consecutive pages of a file. */
    private static final long PAGE_SECTORS = UNIT / 512;
    private final byte[] raw = new byte[MAX_TABLE + MigrationWire.PAGES_PER_FRAME * UNIT];
    private final byte[] packed = new byte[(int) Zstd.compressBound(raw.length)];
    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;

    /** A decoded unit: its number and its data (null: zero page / absent block). */
    interface UnitConsumer {
        void unit(long number, byte[] data) throws MigrationException;
    }

    /** PAGES payload (see below) of plain data and zero pages. */
    byte[] encodePages(int[] index, byte[][] data, int n) {
        return encodePages(index, data, null, null, n);
    }

    /**
     * PAGES payload: count, then the page table (per page its index and kind) and the data pages, compressed
     * together as one (protocol 6: the table's 5 to 13 bytes a page compress with the data to a fraction of that,
     * which is what brought the bytes sent under the checkpoint's size). Page {@code k} with {@code ref[k] >= 0}
     * travels as that reference (kind SOURCE, then the reference as i64: {@link PageReferences}), not as data; else
     * one with a {@code base[k]} (the copy the destination holds) as the XOR of the two (kind DELTA). Either array
     * may be null.
     */
    byte[] encodePages(int[] index, byte[][] data, long[] ref, byte[][] base, int n) {
        MigrationWire.PayloadWriter table = new MigrationWire.PayloadWriter();
        int previous = -1;
        long previousRef = 0;
        for (int k = 0; k < n; k++) {
            // Pages go in index order, references mostly to consecutive sectors: each as its step from the one before.
            table.zigzag((long) index[k] - previous - 1);
            previous = index[k];
            if (data[k] == null) {
                table.u8(MigrationWire.PAGE_ZERO);
            } else if (ref != null && ref[k] >= 0) {
                table.u8(MigrationWire.PAGE_SOURCE).zigzag(ref[k] - previousRef - PAGE_SECTORS);
                previousRef = ref[k];
                data[k] = null; // no bytes in the data part
            } else {
                table.u8(base != null && base[k] != null ? MigrationWire.PAGE_DELTA : MigrationWire.PAGE_DATA);
            }
        }
        return compress(new MigrationWire.PayloadWriter().i32(n), table.toByteArray(), data, base, n).toByteArray();
    }

    /** DISK payload: disk number, count, then per block its number and kind, then the data as in PAGES. */
    byte[] encodeBlocks(int disk, long[] block, byte[][] data, int n) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(disk).i32(n);
        for (int k = 0; k < n; k++) w.i64(block[k]).u8(data[k] == null ? MigrationWire.BLOCK_ABSENT : MigrationWire.BLOCK_DATA);
        return compress(w, null, data, null, n).toByteArray();
    }

    /**
     * The data units concatenated (a unit with a base as its XOR with it), after {@code table} if not null (then
     * its length is written before the bytes), compressed where that shrinks them.
     */
    private MigrationWire.PayloadWriter compress(MigrationWire.PayloadWriter w, byte[] table, byte[][] data, byte[][] base, int n) {
        int length = 0;
        if (table != null) {
            System.arraycopy(table, 0, raw, 0, table.length);
            length = table.length;
        }
        for (int k = 0; k < n; k++) {
            if (data[k] == null) continue;
            if (base != null && base[k] != null) {
                byte[] d = data[k], b = base[k];
                for (int j = 0; j < UNIT; j++) raw[length + j] = (byte) (d[j] ^ b[j]);
            } else {
                System.arraycopy(data[k], 0, raw, length, UNIT);
            }
            length += UNIT;
        }
        int size = 0;
        if (length > 0) {
            if (cctx == null) {
                cctx = new ZstdCompressCtx();
                cctx.setLevel(ZSTD_LEVEL);
                cctx.setChecksum(false);
            }
            size = cctx.compressByteArray(packed, 0, packed.length, raw, 0, length);
        }
        boolean zstd = length > 0 && size < length;
        w.u8(zstd ? ZSTD : STORED);
        if (table != null) w.i32(table.length);
        return zstd ? w.bytes(packed, size) : w.bytes(raw, length);
    }

    /**
     * Decodes a PAGES payload; pages sent as references are rebuilt from {@code refs} (this end's copies of the
     * files; null: none are accepted) and delivered as data.
     */
    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, UnitConsumer out) throws MigrationException {
        decodePages(p, pageCount, refs, null, out);
    }

    /**
     * As above, and DELTA pages are XORed into the copy {@code current} gives for their index (null: this end
     * takes no deltas, such a frame is malformed; a null copy is a zero page).
     */
    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, java.util.function.IntFunction<byte[]> current,
                     UnitConsumer out) throws MigrationException {
        int n = p.count(MigrationWire.PAGES_PER_FRAME, "page count");
        int codec = p.u8();
        int tableLength = p.count(n * MAX_TABLE_PER_PAGE, "page table length");
        byte[] stored = p.bytes(MigrationWire.MAX_PAYLOAD, "data length");
        p.end();
        int size = unpack(p, codec, stored, raw.length);
        if (size < tableLength) throw p.malformed("it unpacks to " + size + " bytes, less than its " + tableLength + "-byte page table");
        MigrationWire.Payload t = new MigrationWire.Payload("PAGES", java.util.Arrays.copyOf(raw, tableLength));
        long[] index = new long[n];
        boolean[] hasData = new boolean[n];
        byte[][] rebuilt = null;
        byte[][] base = null;
        int count = 0;
        long previous = -1;
        long previousRef = 0;
        for (int k = 0; k < n; k++) {
            long at = previous + 1 + t.zigzag();
            if (at < 0 || at >= pageCount) throw p.malformed("page " + at + " is outside the guest's " + pageCount + " pages");
            int i = (int) at;
            previous = at;
            index[k] = i;
            int kind = t.u8();
            if (kind == MigrationWire.PAGE_SOURCE) {
                long ref = previousRef + PAGE_SECTORS + t.zigzag();
                previousRef = ref;
                byte[] page = new byte[UNIT];
                boolean ok;
                try {
                    ok = refs != null && refs.read(ref, page);
                } catch (java.io.IOException e) {
                    throw new MigrationException("page " + i + " refers to source " + PageReferences.source(ref) + ", which cannot be read here: " + e.getMessage(), e);
                }
                if (!ok) {
                    throw p.malformed("page " + i + " refers to source " + PageReferences.source(ref) + " sector " + PageReferences.sector(ref)
                            + ", which this end does not hold (or past its end)");
                }
                if (rebuilt == null) rebuilt = new byte[n][];
                rebuilt[k] = page;
            } else if (kind == MigrationWire.PAGE_DELTA) {
                if (current == null) throw p.malformed("page " + i + " is a delta, which is sent only before switch-over");
                if (base == null) base = new byte[n][];
                base[k] = current.apply(i);
                if (base[k] == null) base[k] = ZERO_UNIT;
            } else if (kind != MigrationWire.PAGE_ZERO && kind != MigrationWire.PAGE_DATA) {
                throw p.malformed("unknown page kind " + kind);
            }
            hasData[k] = kind == MigrationWire.PAGE_DATA || kind == MigrationWire.PAGE_DELTA;
            if (hasData[k]) count++;
        }
        if (t.remaining() != 0) throw p.malformed("its page table has " + t.remaining() + " bytes left over");
        if (size != tableLength + count * UNIT) throw p.malformed("it holds " + (size - tableLength) + " bytes of data for " + count + " pages");
        emit(raw, tableLength, index, hasData, rebuilt, base, n, out);
    }

    /** Unpacks {@code stored} (codec STORED or ZSTD) into {@link #raw}, at most {@code max} bytes; returns the size. */
    private int unpack(MigrationWire.Payload p, int codec, byte[] stored, int max) throws MigrationException {
        if (codec == STORED) {
            if (stored.length > max) throw p.malformed("it holds " + stored.length + " bytes, more than a frame can");
            System.arraycopy(stored, 0, raw, 0, stored.length);
            return stored.length;
        }
        if (codec != ZSTD) throw p.malformed("unknown data encoding " + codec);
        if (dctx == null) dctx = new ZstdDecompressCtx();
        try {
            return dctx.decompressByteArray(raw, 0, max, stored, 0, stored.length);
        } catch (RuntimeException e) {
            throw p.malformed("its data does not decompress (" + e.getMessage() + ")");
        }
    }

    private static final byte[] ZERO_UNIT = new byte[UNIT];

    /** Returns the disk number; blocks are checked against {@code blockCounts}. */
    int decodeBlocks(MigrationWire.Payload p, long[] blockCounts, UnitConsumer out) throws MigrationException {
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
        deliver(p, block, hasData, null, null, n, out);
        return disk;
    }

    private void deliver(MigrationWire.Payload p, long[] number, boolean[] hasData, byte[][] rebuilt, byte[][] base, int n,
                         UnitConsumer out) throws MigrationException {
        int count = 0;
        for (int k = 0; k < n; k++) if (hasData[k]) count++;
        int codec = p.u8();
        byte[] data = p.bytes(MigrationWire.MAX_PAYLOAD, "data length");
        p.end();
        int expected = count * UNIT;
        if (codec == ZSTD && count == 0) throw p.malformed("unknown data encoding " + codec);
        int size = unpack(p, codec, data, expected);
        if (size != expected) throw p.malformed("it holds " + size + " bytes of data for " + count + " units");
        emit(raw, 0, number, hasData, rebuilt, base, n, out);
    }

    /** Hands each unit to {@code out}: data ones from {@code units} at {@code at} on (a delta XORed into its base), others as rebuilt or zero. */
    private static void emit(byte[] units, int at, long[] number, boolean[] hasData, byte[][] rebuilt, byte[][] base, int n,
                             UnitConsumer out) throws MigrationException {
        for (int k = 0; k < n; k++) {
            byte[] unit = rebuilt != null ? rebuilt[k] : null;
            if (hasData[k]) {
                unit = java.util.Arrays.copyOfRange(units, at, at + UNIT);
                at += UNIT;
                if (base != null && base[k] != null) {
                    byte[] b = base[k];
                    for (int j = 0; j < UNIT; j++) unit[j] ^= b[j];
                }
            }
            out.unit(number[k], unit);
        }
    }
}
