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
 * {@code -Dvmckpt.restore.rawSeqPerKiB} (round 80): zstd frames whose sequences make them slow to decode are stored as
 * they are, every other frame as without it; {@link ZstdSequences} counts a frame's sequences from its headers, and
 * never throws on bytes that are not a frame it knows.
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

    @Test
    void aDecodeBoundFrameIsStoredAsItIsAndOthersAsWithout() throws Exception {
        byte[][] dirty = units(DecodeBoundFramesTest::memdirtyPage, 300);
        byte[][] text = units(DecodeBoundFramesTest::textPage, 0);
        byte[][] zeros = new byte[UNITS][];
        for (int i = 0; i < UNITS; i++) zeros[i] = new byte[4096];
        try (FrameCompressor.Encoder on = new FrameCompressor.Encoder(Codec.ZSTD, 3, null, null, true, null, 96);
             FrameCompressor.Encoder off = new FrameCompressor.Encoder(Codec.ZSTD, 3, null, null, true, null, 0)) {
            byte[] d = on.encode(dirty, UNITS);
            assertEquals(Codec.NONE.code, d[0] & 0xff, "memdirty's frame is stored as it is");
            assertEquals(PackFormat.FRAME_HEADER_LENGTH + UNITS * 4096, d.length);
            assertArrayEquals(concat(dirty), Arrays.copyOfRange(d, PackFormat.FRAME_HEADER_LENGTH, d.length));
            assertEquals(Codec.ZSTD.code, off.encode(dirty, UNITS)[0] & 0xff, "without the switch it is compressed");
            // The frames after it: compressed exactly as without the switch (no run of raw frames started).
            assertArrayEquals(off.encode(text, UNITS), on.encode(text, UNITS), "text");
            assertArrayEquals(off.encode(zeros, UNITS), on.encode(zeros, UNITS), "zeros");
            assertEquals(Codec.ZSTD.code, on.encode(text, UNITS)[0] & 0xff);
            assertEquals(1, on.decodeBoundFrames, "the memdirty frame alone");
            assertEquals(0, off.decodeBoundFrames);
            assertEquals(0, on.run.skipped(), "every frame attempted whole");
        }
    }

    @Test
    void aCheckpointWithDecodeBoundFramesReadsBackExactlyAndOnlyThoseAreStoredRaw() throws Exception {
        int old = ZstdSequences.setRawSeqPerKiB(96);
        String id;
        Path repoDir = dir.resolve("repo");
        int pages = 6 * UNITS;
        try {
            Repository repo = Repository.open(repoDir, true);
            try (CheckpointWriter w = repo.begin(TestPages.meta("decode-bound", pages), Codec.ZSTD, 3, null)) {
                for (int i = 0; i < pages; i++) w.putPage(i, page(i));
                id = w.commit(ProgressListener.NONE);
            }
        } finally {
            ZstdSequences.setRawSeqPerKiB(old);
        }
        // Read back by a reader (any build reads codec-0 frames): every page exact.
        Repository repo = Repository.open(repoDir, false);
        try (Checkpoint c = repo.open(id)) {
            byte[] buf = new byte[4096];
            for (int i = 0; i < pages; i++) {
                assertEquals(PageKind.DATA, c.readPage(i, buf));
                assertArrayEquals(page(i), buf, "page " + i);
            }
        }
        // The pack: the two frames of memdirty's pages stored as they are, the four others compressed.
        Path pack;
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            pack = s.filter(p -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
        String hex = pack.getFileName().toString().replace(".pack", "");
        int raw = 0, compressed = 0;
        try (PackReader r = PackReader.open(pack, hex, -1)) {
            byte[] b = Files.readAllBytes(pack);
            for (int f = 0; f < r.frameCount(); f++) {
                int codec = b[(int) r.frameStart(f)] & 0xff;
                if (codec == Codec.NONE.code) raw++;
                else compressed++;
            }
        }
        assertEquals(2, raw, "frames stored as they are");
        assertEquals(4, compressed, "frames compressed");
    }

    /** Frames 1 and 4 of memdirty's pages, the others text and zero-ish pages. */
    static byte[] page(int i) {
        int frame = i / UNITS;
        if (frame == 1 || frame == 4) return memdirtyPage(100_000 + i);
        if (frame % 2 == 0) return textPage(i);
        byte[] p = new byte[4096];
        p[i % 4096] = (byte) (i | 1);
        return p;
    }
}
