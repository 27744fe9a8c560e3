package org.vmckpt.checkpoint.store;

/**
 * Counts the sequences (one literal run plus one match each) a zstd frame holds, from its block and section headers
 * alone (RFC 8878: the frame header, each block's header, a compressed block's literals-section header, whose sizes give
 * where its sequences-section header is, and that header's Number_of_Sequences). Nothing is decoded. zstd's decoder is
 * bound by its sequences, not by its bytes, on memory whose words differ from each other in a byte or two (one literal
 * and one short match per 8-byte word: issue 9's memdirty, ~32,000 sequences in a 256 KiB frame, ~1.2 GB/s of output
 * on this project's host against several GB/s for frames of long matches): the count is what a frame will cost to
 * decode, known from the frame alone (bench/FrameSequences.java; round 80's -Dvmckpt.restore.rawSeqPerKiB, which stored
 * such frames as they are, was retired in round 84).
 */
public final class ZstdSequences {
    private ZstdSequences() {
    }

    /** zstd's frame magic number, little-endian. */
    private static final int MAGIC = 0xFD2FB528;

    /**
     * The number of sequences in the zstd frame {@code src[off .. off + len)}, or -1 if the bytes are not one zstd frame
     * this parser understands (a skippable frame, a reserved block type, a header that runs past the end): callers then
     * treat the frame as they would without the count.
     */
    public static long count(byte[] src, int off, int len) {
        int end = off + len;
        if (off < 0 || len < 6 || end > src.length || end < 0) return -1;
        int p = off;
        if (le32(src, p) != MAGIC) return -1;
        p += 4;
        int fhd = src[p++] & 0xff;
        int fcsFlag = fhd >>> 6;
        boolean singleSegment = (fhd & 0x20) != 0;
        if ((fhd & 0x08) != 0) return -1; // reserved bit
        int didFlag = fhd & 3;
        if (!singleSegment) p++; // window descriptor
        p += didFlag == 3 ? 4 : didFlag;
        p += fcsFlag == 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
        long sequences = 0;
        for (;;) {
            if (p + 3 > end) return -1;
            int bh = (src[p] & 0xff) | (src[p + 1] & 0xff) << 8 | (src[p + 2] & 0xff) << 16;
            p += 3;
            boolean last = (bh & 1) != 0;
            int type = (bh >>> 1) & 3;
            int size = bh >>> 3;
            if (type == 3) return -1; // reserved
            if (type == 1) {
                if (p + 1 > end) return -1;
                p += 1; // RLE: one byte, repeated
            } else {
                if (p + size > end) return -1;
                if (type == 2) {
                    long n = blockSequences(src, p, p + size);
                    if (n < 0) return -1;
                    sequences += n;
                }
                p += size;
            }
            if (last) return sequences;
        }
    }

    /** Number_of_Sequences of the compressed block {@code src[p .. blockEnd)}, or -1. */
    private static long blockSequences(byte[] src, int p, int blockEnd) {
        if (p >= blockEnd) return -1;
        int b0 = src[p] & 0xff;
        int litType = b0 & 3;
        int sizeFormat = (b0 >>> 2) & 3;
        long litBytes; // the literals' content after their header
        int header;
        if (litType == 0 || litType == 1) {
            long regenerated;
            if (sizeFormat == 0 || sizeFormat == 2) {
                header = 1;
                regenerated = b0 >>> 3;
            } else if (sizeFormat == 1) {
                header = 2;
                if (p + 2 > blockEnd) return -1;
                regenerated = (b0 >>> 4) + ((src[p + 1] & 0xff) << 4);
            } else {
                header = 3;
                if (p + 3 > blockEnd) return -1;
                regenerated = (b0 >>> 4) + ((src[p + 1] & 0xff) << 4) + ((long) (src[p + 2] & 0xff) << 12);
            }
            litBytes = litType == 0 ? regenerated : 1;
        } else {
            header = sizeFormat <= 1 ? 3 : sizeFormat == 2 ? 4 : 5;
            if (p + header > blockEnd) return -1;
            long v = 0;
            for (int i = header - 1; i >= 0; i--) v = v << 8 | (src[p + i] & 0xff);
            int bits = header == 3 ? 10 : header == 4 ? 14 : 18;
            litBytes = (v >>> (4 + bits)) & ((1L << bits) - 1); // the compressed size follows the regenerated size
        }
        long q = p + header + litBytes;
        if (q >= blockEnd) return q == blockEnd ? 0 : -1; // no sequences section: literals only
        int s0 = src[(int) q] & 0xff;
        if (s0 < 128) return s0;
        if (s0 < 255) {
            if (q + 2 > blockEnd) return -1;
            return ((s0 - 128) << 8) + (src[(int) q + 1] & 0xff);
        }
        if (q + 3 > blockEnd) return -1;
        return (src[(int) q + 1] & 0xff) + ((src[(int) q + 2] & 0xff) << 8) + 0x7F00;
    }

    private static int le32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }
}
