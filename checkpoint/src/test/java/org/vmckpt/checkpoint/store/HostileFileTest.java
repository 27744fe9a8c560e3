package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files with correct CRCs but hostile contents (huge counts and lengths, runs out of range, decompression
 * bombs) are refused with a {@link CheckpointFormatException} naming the file, before anything large is
 * allocated.
 */
class HostileFileTest {
    @TempDir
    Path dir;

    private Manifest decode(byte[] file) throws CheckpointFormatException {
        return ManifestCodec.decode(dir.resolve(CraftedFiles.ID + ".manifest"), file);
    }

    private void refused(byte[] file, String expected) {
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> decode(file));
        assertTrue(e.getMessage().contains(CraftedFiles.ID + ".manifest"), e.getMessage());
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    }

    private static ByteSink oneRun(long length, int kind) {
        return new ByteSink(16).varint(1).varint(length).u8(kind);
    }

    private static ByteSink noPacks() {
        return CraftedFiles.Body.empty();
    }

    @Test
    void aValidCraftedManifestDecodes() throws CheckpointFormatException {
        Manifest m = decode(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), oneRun(10, 0))));
        assertEquals(10, m.info().pageCount());
        assertEquals(1, m.pages().runCount());
    }

    @Test
    void theLargestPageCountCostsOneRunOfMemory() throws CheckpointFormatException {
        int max = ManifestCodec.MAX_PAGE_COUNT;
        Manifest m = decode(CraftedFiles.manifest(CraftedFiles.Body.withPages(max, noPacks(), oneRun(max, 1))));
        assertEquals(max, m.info().pageCount());
        assertEquals(TableEntry.FREE, m.pages().valueAt(max - 1));
    }

    @Test
    void runsMustCoverExactlyThePages() {
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), oneRun(11, 0))), "page run length");
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), oneRun(9, 0))), "cover 9 pages");
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), oneRun(0, 0))), "page run length");
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), oneRun(10, 4))), "kind 4");
        ByteSink huge = new ByteSink(16).varint(Integer.MAX_VALUE);
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(10, noPacks(), huge)), "page run count");
    }

    @Test
    void dataRunsMustPointInsideTheirPack() {
        ByteSink packs = new ByteSink(32).varint(1).bytes(new byte[16]).varint(5);
        ByteSink inside = new ByteSink(16).varint(1).varint(5).u8(3).varint(0).zigzag(0);
        assertDoesNotThrow(() -> decode(CraftedFiles.manifest(CraftedFiles.Body.withPages(5, packs, inside))));
        ByteSink beyond = new ByteSink(16).varint(1).varint(5).u8(3).varint(0).zigzag(1);
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(5, packs, beyond)), "which has 5");
        ByteSink negative = new ByteSink(16).varint(1).varint(5).u8(3).varint(0).zigzag(-1);
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(5, packs, negative)), "points at units -1");
        ByteSink badPack = new ByteSink(16).varint(1).varint(5).u8(3).varint(1).zigzag(0);
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(5, packs, badPack)), "pack index");
        ByteSink hugeDelta = new ByteSink(16).varint(1).varint(5).u8(3).varint(0).zigzag(Long.MIN_VALUE);
        refused(CraftedFiles.manifest(CraftedFiles.Body.withPages(5, packs, hugeDelta)), "points at units");
    }

    @Test
    void countsAndLengthsBeyondTheDataAreRefused() {
        ByteSink manyRecords = new ByteSink(16).varint(60000);
        byte[] body = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).section(2, CraftedFiles.Body.empty())
                .section(3, manyRecords).bytes();
        refused(CraftedFiles.manifest(body), "record count is 60000");

        ByteSink bigRecord = new ByteSink(16).varint(1).string("r").u32(1).varint(1L << 40);
        body = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).section(2, CraftedFiles.Body.empty())
                .section(3, bigRecord).bytes();
        refused(CraftedFiles.manifest(body), "record length");

        ByteSink longKey = new ByteSink(16).varint(1).varint(1L << 31);
        body = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).section(2, longKey).bytes();
        refused(CraftedFiles.manifest(body), "config key is 2147483648 bytes");

        ByteSink overlong = new ByteSink(16);
        for (int i = 0; i < 11; i++) overlong.u8(0xFF);
        body = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).section(2, overlong).bytes();
        refused(CraftedFiles.manifest(body), "not a valid number");

        byte[] lying = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).bytes();
        lying[1] = (byte) 0xFF;
        lying[4] = (byte) 0x7F;
        refused(CraftedFiles.manifest(lying), "meta section claims");

        ByteSink badUtf8 = new ByteSink(16).varint(1).varint(2).u8(0xC3).u8(0x28).string("v");
        body = new CraftedFiles.Body().section(1, CraftedFiles.Body.meta(1)).section(2, badUtf8).bytes();
        refused(CraftedFiles.manifest(body), "not valid UTF-8");
    }

    @Test
    void decompressionIsBoundedByTheDeclaredAndMaximumSizes() {
        byte[] body = CraftedFiles.Body.withPages(10, noPacks(), oneRun(10, 0));
        refused(CraftedFiles.manifest(body, true, ManifestCodec.MAX_BODY + 1L), "exceeds the limit");
        refused(CraftedFiles.manifest(body, true, 0xFFFFFFFFL), "exceeds the limit");
        refused(CraftedFiles.manifest(body, true, body.length + 100), "decompressed to");
        refused(CraftedFiles.manifest(body, true, body.length - 1), "does not decompress");
        // A bomb: 1 GiB of zeros compresses to a few KB; declared small, it must stop at the declared size.
        byte[] bomb = com.github.luben.zstd.Zstd.compress(new byte[64 << 20], 19);
        ByteSink f = new ByteSink(64 + bomb.length);
        FileCodec.writeHeader(f, ManifestCodec.NAME, ManifestCodec.VERSION);
        f.u8(1).u32(1000).u32(bomb.length).bytes(bomb);
        refused(CraftedFiles.withTrailingCrc(f.array(), f.size()), "does not decompress");
    }

    @Test
    void aBodyOfTheMaximumSizeOfFreeRunsStaysWithinMemory() throws CheckpointFormatException {
        // The worst case for memory: the smallest possible runs (2 bytes each) filling the whole body.
        int runs = (ManifestCodec.MAX_BODY - 128) / 2;
        ByteSink pages = new ByteSink(ManifestCodec.MAX_BODY).varint(runs);
        for (int i = 0; i < runs; i++) pages.varint(1).u8(i & 1);
        byte[] body = CraftedFiles.Body.withPages(runs, noPacks(), pages);
        Manifest m = decode(CraftedFiles.manifest(body, true, body.length));
        assertEquals(runs, m.pages().runCount());
    }

    @Test
    void hostilePackIndexesAreRefused() throws IOException {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 70), Codec.ZSTD, 1, null)) {
            for (int i = 0; i < 70; i++) w.putPage(i, TestPages.page(i));
            id = w.commit(ProgressListener.NONE);
        }
        Path pack = repo.packPath(repo.packIds().get(0));
        byte[] good = Files.readAllBytes(pack);
        // Trailer: unit count u64, frame count u32, "PEND", CRC over index + first 16 trailer bytes.
        int trailer = good.length - PackFormat.TRAILER_LENGTH;
        for (long frames : new long[]{0xFFFFFFFFL, 0x7FFFFFFFL, 3, 0}) {
            byte[] b = good.clone();
            for (int i = 0; i < 4; i++) b[trailer + 8 + i] = (byte) (frames >>> (8 * i));
            refixPackTrailerCrc(b, frames);
            Files.write(pack, b);
            try (Checkpoint c = repo.open(id)) {
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> c.readPage(0, new byte[4096]));
                assertTrue(e.getMessage().contains(pack.getFileName().toString()), e.getMessage());
            }
        }
        // A frame whose zstd data expands beyond its declared size: change the declared length down.
        byte[] b = good.clone();
        int frame0 = PackFormat.HEADER_LENGTH;
        assertEquals(1, b[frame0], "frame 0 is zstd");
        b[frame0 + 2] = 1; // units: 1 instead of 64
        b[frame0 + 5] = 0x10; // uncompressed length 4096
        b[frame0 + 6] = 0;
        refixFrameCrc(b, frame0);
        Files.write(pack, b);
        try (Checkpoint c = repo.open(id)) {
            assertThrows(CheckpointFormatException.class, () -> c.readPage(0, new byte[4096]));
            assertFalse(c.verify(ProgressListener.NONE).ok());
        }
        Files.write(pack, good);
        try (Checkpoint c = repo.open(id)) {
            assertTrue(c.verify(ProgressListener.NONE).ok());
        }
    }

    private static void refixPackTrailerCrc(byte[] b, long frames) {
        int trailer = b.length - PackFormat.TRAILER_LENGTH;
        long n = Math.min(frames, trailer / 8);
        int index = (int) (trailer - 8 * n);
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b, index, (int) (8 * n) + 16);
        for (int i = 0; i < 4; i++) b[trailer + 16 + i] = (byte) (c.getValue() >>> (8 * i));
    }

    private static void refixFrameCrc(byte[] b, int frame) {
        int stored = (b[frame + 8] & 0xFF) | (b[frame + 9] & 0xFF) << 8 | (b[frame + 10] & 0xFF) << 16 | (b[frame + 11] & 0xFF) << 24;
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b, frame, 12);
        c.update(b, frame + 16, stored);
        for (int i = 0; i < 4; i++) b[frame + 12 + i] = (byte) (c.getValue() >>> (8 * i));
    }

    @Test
    void oversizedFilesAreRefusedBeforeReading() throws IOException {
        Path m = dir.resolve(CraftedFiles.ID + ".manifest");
        try (var ch = java.nio.channels.FileChannel.open(m, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), ManifestCodec.MAX_FILE + 10L);
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> ManifestCodec.read(m));
        assertTrue(e.getMessage().contains("larger than any manifest"), e.getMessage());
        assertTrue(Arrays.equals(new byte[0], new byte[0]));
    }
}
