package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link IncompressibleRun} in the pack writer's encoder: after a frame that did not compress, random frames are
 * stored without a whole zstd attempt (counted by the run), a compressible frame still is compressed, a frame with a
 * compressible unit in eight is found by its sample, the state is the encoder's own, and frames decode the same.
 */
class IncompressibleRunTest {
    private static final int UNIT = PackFormat.UNIT_SIZE;
    private static final int UNITS = PackFormat.MAX_UNITS_PER_FRAME;

    private static byte[][] randomUnits(SplittableRandom r) {
        byte[][] units = new byte[UNITS][UNIT];
        for (byte[] u : units) r.nextBytes(u);
        return units;
    }

    /** memdirty's kind of page: a counter pattern, compresses well. */
    private static byte[][] patternedUnits(int seed) {
        byte[][] units = new byte[UNITS][UNIT];
        for (int i = 0; i < UNITS; i++) {
            for (int j = 0; j < UNIT; j += 8) units[i][j] = (byte) (seed + i + j / 8);
        }
        return units;
    }

    /** The frame's header codec (0 none, 1 zstd; encryption bit off). */
    private static int codecOf(byte[] frame) {
        return frame[0] & 0xff;
    }

    @Test
    void randomFramesAfterAFailedOneAreNotAttemptedWhole() {
        SplittableRandom r = new SplittableRandom(1);
        try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(Codec.ZSTD, 1, true)) {
            for (int f = 0; f < 10; f++) {
                byte[] frame = enc.encode(randomUnits(r), UNITS);
                assertEquals(Codec.NONE.code, codecOf(frame), "frame " + f);
            }
            // The first frame is attempted whole and fails; the other nine are stored on their sample's word.
            assertEquals(1, enc.run.wholeAttempts());
            assertEquals(9, enc.run.skipped());
        }
    }

    @Test
    void switchedOffEveryFrameIsAttemptedWholeAndTheFramesAreTheSame() {
        SplittableRandom r = new SplittableRandom(2);
        byte[][][] frames = new byte[6][][];
        for (int f = 0; f < frames.length; f++) frames[f] = f % 3 == 2 ? patternedUnits(f) : randomUnits(r);
        try (FrameCompressor.Encoder on = new FrameCompressor.Encoder(Codec.ZSTD, 1, true);
             FrameCompressor.Encoder off = new FrameCompressor.Encoder(Codec.ZSTD, 1, false)) {
            for (byte[][] units : frames) assertArrayEquals(off.encode(units, UNITS), on.encode(units, UNITS));
            assertEquals(frames.length, off.run.wholeAttempts());
            assertEquals(0, off.run.skipped());
            assertTrue(on.run.skipped() > 0);
        }
    }

    @Test
    void aCompressibleFrameAfterARunOfRandomOnesIsCompressed() {
        SplittableRandom r = new SplittableRandom(3);
        try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(Codec.ZSTD, 1, true);
             FrameCompressor.Encoder off = new FrameCompressor.Encoder(Codec.ZSTD, 1, false)) {
            for (int f = 0; f < 5; f++) enc.encode(randomUnits(r), UNITS);
            byte[][] patterned = patternedUnits(7);
            byte[] frame = enc.encode(patterned, UNITS);
            assertEquals(Codec.ZSTD.code, codecOf(frame));
            assertArrayEquals(off.encode(patterned, UNITS), frame, "compressed as without the run");
            // It ended the run: the next random frame is attempted whole again.
            long before = enc.run.wholeAttempts();
            enc.encode(randomUnits(r), UNITS);
            assertEquals(before + 1, enc.run.wholeAttempts());
        }
    }

    /**
     * One unit in eight compresses well, but not in its first bytes: 512 random bytes (a header), then zeros; the
     * other seven units are random. Whole, the frame shrinks by more than the threshold; a sampler that took only
     * each unit's first 64 bytes would see nothing but random bytes and store it raw.
     */
    @Test
    void aFrameWithOneCompressibleUnitInEightIsFoundByItsSample() {
        SplittableRandom r = new SplittableRandom(4);
        byte[][] mixed = randomUnits(r);
        for (int i = 0; i < UNITS; i += 8) Arrays.fill(mixed[i], 512, UNIT, (byte) 0);
        assertWholeShrinksEnoughAndIsCompressedAfterARun(r, mixed);
    }

    /** As above, the compressible unit being a 256-byte random pattern repeated (no repeat within 64 bytes). */
    @Test
    void aFrameWithOneRepeatingUnitInEightIsFoundByItsSample() {
        SplittableRandom r = new SplittableRandom(5);
        byte[][] mixed = randomUnits(r);
        for (int i = 3; i < UNITS; i += 8) {
            for (int j = 256; j < UNIT; j++) mixed[i][j] = mixed[i][j - 256];
        }
        assertWholeShrinksEnoughAndIsCompressedAfterARun(r, mixed);
    }

    private static void assertWholeShrinksEnoughAndIsCompressedAfterARun(SplittableRandom r, byte[][] mixed) {
        byte[] raw = new byte[UNITS * UNIT];
        for (int i = 0; i < UNITS; i++) System.arraycopy(mixed[i], 0, raw, i * UNIT, UNIT);
        try (ZstdCompressCtx z = new ZstdCompressCtx()) {
            z.setLevel(1);
            z.setChecksum(false);
            byte[] out = new byte[(int) Zstd.compressBound(raw.length)];
            int whole = z.compressByteArray(out, 0, out.length, raw, 0, raw.length);
            assertTrue(raw.length - whole > raw.length / IncompressibleRun.MIN_SAVING_DIVISOR,
                    "the test's frame must shrink whole by more than the threshold: " + whole + " of " + raw.length);
            // A sampler of each unit's first 64 bytes would not find it: check the test frame is the hard case.
            byte[] firstBytes = new byte[UNITS * IncompressibleRun.SAMPLE_PER_UNIT];
            for (int i = 0; i < UNITS; i++) {
                System.arraycopy(raw, i * UNIT, firstBytes, i * IncompressibleRun.SAMPLE_PER_UNIT, IncompressibleRun.SAMPLE_PER_UNIT);
            }
            int first = z.compressByteArray(out, 0, out.length, firstBytes, 0, firstBytes.length);
            assertTrue(firstBytes.length - first < firstBytes.length / IncompressibleRun.MIN_SAVING_DIVISOR,
                    "first bytes alone look random: " + first + " of " + firstBytes.length);
        }
        try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(Codec.ZSTD, 1, true);
             FrameCompressor.Encoder off = new FrameCompressor.Encoder(Codec.ZSTD, 1, false)) {
            for (int f = 0; f < 3; f++) enc.encode(randomUnits(r), UNITS);
            long attempts = enc.run.wholeAttempts();
            byte[] frame = enc.encode(mixed, UNITS);
            assertEquals(attempts + 1, enc.run.wholeAttempts(), "the sample let the whole frame be attempted");
            assertEquals(Codec.ZSTD.code, codecOf(frame));
            assertArrayEquals(off.encode(mixed, UNITS), frame);
        }
    }

    @Test
    void theRunIsPerEncoder() {
        SplittableRandom r = new SplittableRandom(6);
        try (FrameCompressor.Encoder a = new FrameCompressor.Encoder(Codec.ZSTD, 1, true);
             FrameCompressor.Encoder b = new FrameCompressor.Encoder(Codec.ZSTD, 1, true)) {
            a.encode(randomUnits(r), UNITS);
            a.encode(randomUnits(r), UNITS);
            assertEquals(1, a.run.skipped());
            // b has seen no failed frame: its first random frame is attempted whole, whatever a did.
            b.encode(randomUnits(r), UNITS);
            assertEquals(1, b.run.wholeAttempts());
            assertEquals(0, b.run.skipped());
        }
    }

    @Test
    void skippedFramesDecodeToTheirUnits() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(Codec.ZSTD, 1, true)) {
            enc.encode(randomUnits(r), UNITS);
            byte[][] units = randomUnits(r);
            byte[] frame = enc.encode(units, 40);
            assertEquals(1, enc.run.skipped());
            assertEquals(PackFormat.FRAME_HEADER_LENGTH + 40 * UNIT, frame.length);
            for (int i = 0; i < 40; i++) {
                assertArrayEquals(units[i], Arrays.copyOfRange(frame, PackFormat.FRAME_HEADER_LENGTH + i * UNIT,
                        PackFormat.FRAME_HEADER_LENGTH + (i + 1) * UNIT));
            }
        }
    }

    /** A migration's data part need not be whole units (a page sent as its changed words is 8 bytes a word). */
    @Test
    void aPartialLastUnitGivesItsFirstBytesAndSmallPartsAreHandled() {
        SplittableRandom r = new SplittableRandom(8);
        byte[] raw = new byte[3 * UNIT + 200];
        r.nextBytes(raw);
        byte[] sample = new byte[4 * IncompressibleRun.SAMPLE_PER_UNIT];
        assertEquals(3 * IncompressibleRun.SAMPLE_PER_UNIT + 64, IncompressibleRun.gather(raw, raw.length, sample));
        assertArrayEquals(Arrays.copyOfRange(raw, 3 * UNIT, 3 * UNIT + 64), Arrays.copyOfRange(sample, 3 * 64, 4 * 64));
        assertEquals(24, IncompressibleRun.gather(raw, 24, sample));
        IncompressibleRun run = new IncompressibleRun(raw.length, true);
        try (ZstdCompressCtx z = new ZstdCompressCtx()) {
            z.setLevel(1);
            byte[] out = new byte[(int) Zstd.compressBound(raw.length)];
            assertEquals(-1, run.compress(z, out, raw, raw.length)); // random: fails whole, starts the run
            assertEquals(-1, run.compress(z, out, raw, 24)); // three random words: stored on the sample
            assertEquals(1, run.skipped());
            byte[] zeros = new byte[200];
            assertTrue(run.compress(z, out, zeros, zeros.length) > 0, "a small compressible part is compressed");
        }
    }

    @Test
    void theSampleTakesEveryPieceOfAPageAcrossAFrame() {
        // Unit u's byte at page offset x holds x/16 (mod 256) + 1: the pieces' places, read back from the sample.
        byte[] raw = new byte[63 * UNIT];
        for (int u = 0; u < 63; u++) {
            for (int x = 0; x < UNIT; x++) raw[u * UNIT + x] = (byte) (x / 16 % 64 + 1);
        }
        byte[] sample = new byte[63 * IncompressibleRun.SAMPLE_PER_UNIT];
        assertEquals(sample.length, IncompressibleRun.gather(raw, raw.length, sample));
        boolean[] seen = new boolean[64];
        for (byte b : sample) seen[b - 1] = true;
        for (int p = 0; p < 63; p++) assertTrue(seen[p], "piece " + p + " of a quarter is sampled");
    }
}
