package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdCompressCtx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ZstdSequences} (round 80; bench/FrameSequences.java's count since round 84 retired
 * {@code -Dvmckpt.restore.rawSeqPerKiB}, which stored the frames it found slow to decode as they are) counts a zstd
 * frame's sequences from its headers, and never throws on bytes that are not a frame it knows.
 */
class DecodeBoundFramesTest {
    @TempDir
    Path dir;

    static final int UNITS = 64;

    /** Page {@code p} as guest/workloads/memdirty.c fills it: word i is p << 12 | i | 1 << 63. */
    static byte[] memdirtyPage(long p) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 512; i++) b.putLong((p << 12 | i) | 0x8000000000000000L);
        return b.array();
    }

    /** A page of text (few long matches: an ordinary guest's page cache or code decodes fast). */
    static byte[] textPage(int p) {
        byte[] page = new byte[4096];
        byte[] line = ("page " + p + ": the quick brown fox jumps over the lazy dog; vmckpt restores what it saved.\n")
                .getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < page.length; i++) page[i] = line[i % line.length];
        return page;
    }

    static byte[][] units(java.util.function.IntFunction<byte[]> page, int first) {
        byte[][] u = new byte[UNITS][];
        for (int i = 0; i < UNITS; i++) u[i] = page.apply(first + i);
        return u;
    }

    static byte[] zstd(byte[] raw, int level) {
        try (ZstdCompressCtx z = new ZstdCompressCtx()) {
            z.setLevel(level);
            z.setChecksum(false);
            return z.compress(raw);
        }
    }

    static byte[] concat(byte[][] units) {
        byte[] raw = new byte[units.length * 4096];
        for (int i = 0; i < units.length; i++) System.arraycopy(units[i], 0, raw, i * 4096, 4096);
        return raw;
    }

    @Test
    void sequencesAreCountedFromTheFramesHeaders() {
        // memdirty's words: one literal and one match per 8-byte word, so about one sequence per 8 bytes.
        for (int level : new int[]{-1, 1, 3, 9}) {
            byte[] raw = concat(units(DecodeBoundFramesTest::memdirtyPage, 70_000));
            byte[] z = zstd(raw, level);
            long n = ZstdSequences.count(z, 0, z.length);
            assertTrue(n >= raw.length / 8 * 9 / 10 && n <= raw.length / 4, "level " + level + ": " + n + " sequences in " + raw.length + " bytes");
            // The same frame inside a larger buffer, at an offset.
            byte[] padded = new byte[z.length + 100];
            System.arraycopy(z, 0, padded, 37, z.length);
            assertEquals(n, ZstdSequences.count(padded, 37, z.length));
        }
        // Zeros: one RLE block or a few sequences; text: far fewer than one per 8 bytes; random: raw blocks, none.
        byte[] zeros = zstd(new byte[UNITS * 4096], 3);
        assertTrue(ZstdSequences.count(zeros, 0, zeros.length) <= 4, "zeros");
        byte[] textRaw = concat(units(DecodeBoundFramesTest::textPage, 0));
        byte[] text = zstd(textRaw, 3);
        long t = ZstdSequences.count(text, 0, text.length);
        assertTrue(t >= 1 && t < textRaw.length / 64, "text: " + t);
        byte[] random = new byte[UNITS * 4096];
        new SplittableRandom(5).nextBytes(random);
        byte[] rz = zstd(random, 3);
        assertEquals(0, ZstdSequences.count(rz, 0, rz.length), "random data: raw blocks");
    }

    @Test
    void bytesThatAreNotAWholeFrameGiveMinusOneAndNeverThrow() {
        byte[] z = zstd(concat(units(DecodeBoundFramesTest::memdirtyPage, 1)), 3);
        for (int len = 0; len < z.length; len += len < 64 ? 1 : 97) {
            long n = ZstdSequences.count(z, 0, len);
            assertEquals(-1, n, "a frame cut to " + len + " of " + z.length + " bytes");
        }
        SplittableRandom r = new SplittableRandom(9);
        for (int k = 0; k < 2000; k++) {
            byte[] d = z.clone();
            int at = r.nextInt(Math.min(d.length, 64));
            d[at] ^= (byte) (1 + r.nextInt(255));
            ZstdSequences.count(d, 0, d.length); // any value or -1: only no exception, no index out of bounds
        }
        byte[] notZstd = "not a zstd frame at all".getBytes(StandardCharsets.US_ASCII);
        assertEquals(-1, ZstdSequences.count(notZstd, 0, notZstd.length));
        assertEquals(-1, ZstdSequences.count(z, 5, z.length)); // past the end
    }
}
