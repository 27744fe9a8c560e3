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

    private final byte[] raw = new byte[MigrationWire.PAGES_PER_FRAME * UNIT];
    private final byte[] packed = new byte[(int) Zstd.compressBound(raw.length)];
    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;

    /** A decoded unit: its number and its data (null: zero page / absent block). */
    interface UnitConsumer {
        void unit(long number, byte[] data) throws MigrationException;
    }

    /** PAGES payload: count, then per page its index and kind, then the data (codec byte, length, bytes). */
    byte[] encodePages(int[] index, byte[][] data, int n) {
        return encodePages(index, data, null, null, n);
    }

    /**
     * PAGES payload with references and deltas: page {@code k} with {@code ref[k] >= 0} travels as that reference
     * (kind SOURCE, then the reference as i64: {@link PageReferences}), not as data; else one with a
     * {@code base[k]} (the copy the destination holds) as the XOR of the two (kind DELTA). Either array may be null.
     */
    byte[] encodePages(int[] index, byte[][] data, long[] ref, byte[][] base, int n) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(n);
        for (int k = 0; k < n; k++) {
            w.i32(index[k]);
            if (data[k] == null) {
                w.u8(MigrationWire.PAGE_ZERO);
            } else if (ref != null && ref[k] >= 0) {
                w.u8(MigrationWire.PAGE_SOURCE).i64(ref[k]);
                data[k] = null; // no bytes in the data part
            } else {
                w.u8(base != null && base[k] != null ? MigrationWire.PAGE_DELTA : MigrationWire.PAGE_DATA);
            }
        }
        return compress(w, data, base, n).toByteArray();
    }

    /** DISK payload: disk number, count, then per block its number and kind, then the data as in PAGES. */
    byte[] encodeBlocks(int disk, long[] block, byte[][] data, int n) {
        MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter().i32(disk).i32(n);
        for (int k = 0; k < n; k++) w.i64(block[k]).u8(data[k] == null ? MigrationWire.BLOCK_ABSENT : MigrationWire.BLOCK_DATA);
        return compress(w, data, null, n).toByteArray();
    }

    /** The data units concatenated (a unit with a base as its XOR with it), compressed where that shrinks them. */
    private MigrationWire.PayloadWriter compress(MigrationWire.PayloadWriter w, byte[][] data, byte[][] base, int n) {
        int length = 0;
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
        if (length == 0) return w.u8(STORED).i32(0);
        if (cctx == null) {
            cctx = new ZstdCompressCtx();
            cctx.setLevel(ZSTD_LEVEL);
            cctx.setChecksum(false);
        }
        int size = cctx.compressByteArray(packed, 0, packed.length, raw, 0, length);
        if (size < length) return w.u8(ZSTD).bytes(packed, size);
        return w.u8(STORED).bytes(raw, length);
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
        long[] index = new long[n];
        boolean[] hasData = new boolean[n];
        byte[][] rebuilt = null;
        byte[][] base = null;
        for (int k = 0; k < n; k++) {
            int i = p.i32();
            if (i < 0 || i >= pageCount) throw p.malformed("page " + i + " is outside the guest's " + pageCount + " pages");
            index[k] = i;
            int kind = p.u8();
            if (kind == MigrationWire.PAGE_SOURCE) {
                long ref = p.i64();
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
        }
        deliver(p, index, hasData, rebuilt, base, n, out);
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
        byte[] units;
        if (codec == STORED) {
            if (data.length != expected) throw p.malformed("it holds " + data.length + " bytes of data for " + count + " units");
            units = data;
        } else if (codec == ZSTD && count > 0) {
            if (dctx == null) dctx = new ZstdDecompressCtx();
            int size;
            try {
                size = dctx.decompressByteArray(raw, 0, expected, data, 0, data.length);
            } catch (RuntimeException e) {
                throw p.malformed("its data does not decompress (" + e.getMessage() + ")");
            }
            if (size != expected) throw p.malformed("its data decompresses to " + size + " bytes, not " + count + " units");
            units = raw;
        } else {
            throw p.malformed("unknown data encoding " + codec);
        }
        int at = 0;
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
