package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;

/**
 * One encoder's (one thread's) memory of whether its last frame failed to compress, and what it does about it: after
 * a frame that zstd could not shrink, the next frame is first tested on a sample (64 bytes of each 4 KiB unit,
 * compressed at the same settings: 1/64 of the bytes, but on random data about a quarter of a whole attempt's CPU, zstd's
 * fixed cost per call); only if the sample shrinks by at least
 * 1/{@value #MIN_SAVING_DIVISOR} is the whole frame compressed, else it is stored as it is, as a failed attempt
 * would have stored it. A frame that compresses ends the run. Memory that does not compress (random, encrypted or
 * compressed data: bench/workloads/memrandom.c) otherwise costs a whole zstd pass per frame for nothing, and on a
 * small host that CPU is the guest's. Used by the pack writer ({@link FrameCompressor.Encoder}) and a migration's data
 * frames (migration/PageFrames); neither format changes: a reader cannot tell a skipped frame from a failed one.
 * Frames that compress never start a run, so they are encoded exactly as without it.
 *
 * <p>The threshold, 1/16: the sample is coarser than the frame (separate 16-byte pieces, fewer matches, and zstd's
 * ~12 bytes of frame and block header, 0.3% of a full frame's 4 KiB sample), so it must stand well above that
 * noise; and a frame in which one unit in eight compresses well saves about 1/8 whole and about as much in its
 * sample, so 1/16 still finds it. In a run, a frame whose sample saves less than 1/16 is stored raw: if the whole
 * would have saved a little, at most about 1/16 more bytes for that frame, for saving a whole zstd pass.
 *
 * <p>Not thread-safe: one per encoder.
 */
public final class IncompressibleRun {
    /**
     * On by default; {@code -Dvmckpt.compress.sampleRuns=false} compresses every frame whole (as before round 51).
     * Offline, re-encoding a memrandom guest's checkpoint (259 MiB) through the pack encoder took about 25 ms (22-30) less
     * CPU with it on than main's encoder, of about 100 ms (medians of the paired differences in three series; on lower
     * in 22 of 24 pairs), the same bytes; the rest is copying, CRC and the frames' arrays (docs/BENCHMARKS.md, round 51).
     */
    public static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vmckpt.compress.sampleRuns", "true"));

    /** The unit the sample takes its bytes from: a guest page or a disk block. */
    static final int UNIT = 4096;
    /** Bytes of the sample per unit, as {@link #PIECES} pieces of {@link #PIECE} bytes. */
    static final int SAMPLE_PER_UNIT = 64;
    static final int PIECES = 4;
    static final int PIECE = SAMPLE_PER_UNIT / PIECES;
    /** The whole frame is attempted if its sample shrinks by at least 1/this. */
    static final int MIN_SAVING_DIVISOR = 16;

    private final boolean enabled;
    private final byte[] sample;
    private final byte[] sampleOut;
    /** The last frame this encoder handled was stored as it is (failed, or its sample said it would). */
    private boolean lastStoredRaw;

    /** Whole-frame zstd attempts made; frames stored raw on their sample's word alone (for tests and benchmarks). */
    private long wholeAttempts;
    private long skipped;

    /** For frames of at most {@code maxLength} bytes, switched by {@link #ENABLED}. */
    public IncompressibleRun(int maxLength) {
        this(maxLength, ENABLED);
    }

    /** For frames of at most {@code maxLength} bytes; {@code enabled} false: every frame is attempted whole. */
    public IncompressibleRun(int maxLength, boolean enabled) {
        this.enabled = enabled;
        int units = (maxLength + UNIT - 1) / UNIT;
        this.sample = enabled ? new byte[units * SAMPLE_PER_UNIT] : null;
        this.sampleOut = enabled ? new byte[(int) Zstd.compressBound(sample.length)] : null;
    }

    /**
     * Compresses {@code src[0..length)} into {@code dst} with {@code zstd} as it is set; returns the compressed size,
     * or -1 if the frame is to be stored as it is (zstd did not shrink it, or it follows a frame that did not and its
     * sample did not shrink enough, and was not attempted).
     */
    public int compress(ZstdCompressCtx zstd, byte[] dst, byte[] src, int length) {
        if (!worthAttempt(zstd, src, length)) return -1;
        int n = zstd.compressByteArray(dst, 0, dst.length, src, 0, length);
        attempted(n < length);
        return n < length ? n : -1;
    }

    /**
     * For a frame compressed elsewhere (a migration's zstd stream): whether {@code src[0..length)} is worth a whole
     * attempt (false: store it as it is; counted as skipped); the caller then reports the attempt's outcome to
     * {@link #attempted}. {@code zstd} compresses the sample.
     */
    public boolean worthAttempt(ZstdCompressCtx zstd, byte[] src, int length) {
        if (enabled && lastStoredRaw && !sampleShrinks(zstd, src, length)) {
            skipped++;
            return false;
        }
        wholeAttempts++;
        return true;
    }

    /** A whole attempt's outcome: whether it shrank the frame (if not, the next frame is sampled first). */
    public void attempted(boolean shrank) {
        lastStoredRaw = !shrank;
    }

    /** Whether {@code src[0..length)}'s sample, compressed with {@code zstd}, is smaller by at least 1/16. */
    private boolean sampleShrinks(ZstdCompressCtx zstd, byte[] src, int length) {
        int n = gather(src, length, sample);
        if (n == 0) return true;
        int size = zstd.compressByteArray(sampleOut, 0, sampleOut.length, sample, 0, n);
        return n - size >= n / MIN_SAVING_DIVISOR;
    }

    /**
     * Copies the sample of {@code src[0..length)} into {@code into}; returns its length. From each whole unit
     * {@code u}: four 16-byte pieces, one in each quarter of the unit, at the same offset in each quarter, an offset
     * that moves by 37 pieces (mod 63) from unit to unit. So the pieces of a frame's 64 units cover every 16-byte
     * place of a page's quarters, not only its first bytes: a unit that is random in its first part and compressible
     * after (a header, then zeros or text) is seen as compressible; and pieces 1 KiB apart of a page with a repeating
     * pattern (a period dividing 1 KiB) are equal, so zstd finds the repeat in the sample too. A last, partial unit
     * gives its first 64 bytes (or fewer).
     */
    static int gather(byte[] src, int length, byte[] into) {
        int n = 0;
        int u = 0;
        for (int start = 0; start < length; start += UNIT, u++) {
            int left = length - start;
            if (left < UNIT) {
                int take = Math.min(SAMPLE_PER_UNIT, left);
                System.arraycopy(src, start, into, n, take);
                n += take;
                break;
            }
            int offset = ((u * 37) % 63) * PIECE; // 0 .. 992: a piece never crosses its quarter's end
            for (int q = 0; q < PIECES; q++) {
                System.arraycopy(src, start + q * (UNIT / PIECES) + offset, into, n, PIECE);
                n += PIECE;
            }
        }
        return n;
    }

    public long wholeAttempts() {
        return wholeAttempts;
    }

    public long skipped() {
        return skipped;
    }
}
