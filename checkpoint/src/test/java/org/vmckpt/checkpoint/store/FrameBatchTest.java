package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Bulk reading ({@link Checkpoint#dataBatches}, {@link BatchReader}): every DATA page of a checkpoint is in exactly
 * one batch and reads back as {@link Checkpoint#readPage} gives it, for an incremental checkpoint whose pages
 * lie in two packs with gaps, compressed, stored and encrypted; a damaged frame is refused naming it.
 */
class FrameBatchTest {
    @TempDir
    Path dir;

    /** Parent: 700 DATA pages (11 frames). Child: every 7th page rewritten, 100..149 zero, the rest inherited. */
    private static String writeParentAndChild(Repository repo, Codec codec) throws IOException {
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta("parent", 700), codec, 3, null)) {
            for (int i = 0; i < 700; i++) w.putPage(i, i >= 256 && i < 384 ? randomPage(i) : TestPages.page(i));
            parent = w.commit(ProgressListener.NONE);
        }
        try (CheckpointWriter w = repo.begin(TestPages.meta("child", 700), codec, 3, parent)) {
            for (int i = 0; i < 700; i += 7) if (i < 100 || i >= 150) w.putPage(i, TestPages.page(5000 + i));
            for (int i = 100; i < 150; i++) w.putPageKind(i, PageKind.ZERO);
            return w.commit(ProgressListener.NONE);
        }
    }

    /** Random bytes: a frame of such pages does not compress and is stored as it is, also in a zstd pack. */
    private static byte[] randomPage(long seed) {
        byte[] p = new byte[4096];
        new java.util.Random(seed).nextBytes(p);
        return p;
    }

    /** The two ways a reader reads a batch: heap arrays, direct buffers. (Round 77's third, the packs' mappings,
     *  -Dvmckpt.restore.mapPacks, was retired in round 83.) */
    private static final String[] MODES = {"heap", "direct"};

    private static BatchReader reader(Checkpoint c, String mode) throws IOException {
        return c.openBatchReader(mode.equals("direct"));
    }

    /** Every batch read with {@link BatchReader#read} and again with {@link BatchReader#readCopies}, in every read mode. */
    private static void checkBatches(Checkpoint c, int maxFrames) throws IOException {
        for (String way : MODES) {
            checkBatches(c, maxFrames, way, false);
            checkBatches(c, maxFrames, way, true);
        }
    }

    private static void checkBatches(Checkpoint c, int maxFrames, String way, boolean copies) throws IOException {
        List<FrameBatch> batches = c.dataBatches(maxFrames);
        BitSet seen = new BitSet();
        byte[] expected = new byte[4096];
        int[] delivered = {0};
        String mode = way + (copies ? " copies" : "") + ", " + maxFrames + " frames: page ";
        try (BatchReader r = reader(c, way)) {
            for (FrameBatch b : batches) {
                assertTrue(b.frameCount <= maxFrames, "batch of " + b.frameCount + " frames, at most " + maxFrames);
                int before = delivered[0];
                BatchReader.PageSink check = (index, buf, offset) -> {
                    assertFalse(seen.get(index), mode + index + " delivered twice");
                    seen.set(index);
                    assertTrue(b.holds(index));
                    assertEquals(PageKind.DATA, c.readPage(index, expected));
                    assertArrayEquals(expected, Arrays.copyOfRange(buf, offset, offset + 4096), mode + index);
                    delivered[0]++;
                };
                if (copies) {
                    List<byte[]> kept = new java.util.ArrayList<>();
                    r.readCopies(b, (index, page) -> {
                        assertEquals(4096, page.length);
                        for (byte[] k : kept) assertNotSame(k, page, mode + index + " shares an array with another page");
                        kept.add(page);
                        check.page(index, page, 0);
                    });
                } else {
                    r.read(b, check);
                }
                assertEquals(b.pageCount(), delivered[0] - before);
            }
        }
        for (int i = 0; i < c.pageCount(); i++) assertEquals(c.pageKind(i) == PageKind.DATA, seen.get(i), mode + i);
    }

    @Test
    void everyDataPageIsInExactlyOneBatchAndReadsBackExactly() throws IOException {
        for (Codec codec : new Codec[] {Codec.ZSTD, Codec.NONE}) {
            Repository repo = Repository.open(dir.resolve("repo-" + codec), true);
            String child = writeParentAndChild(repo, codec);
            try (Checkpoint c = repo.open(child)) {
                for (int maxFrames : new int[] {1, 2, 16}) checkBatches(c, maxFrames);
            }
        }
    }

    /** The zstd pack holds frames stored as they are (random pages) beside compressed ones: both read paths meet both. */
    @Test
    void aZstdPackHoldsStoredAndCompressedFrames() throws IOException {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String child = writeParentAndChild(repo, Codec.ZSTD);
        int stored = 0, compressed = 0;
        for (Manifest.PackRef ref : repo.readManifest(child).packs()) {
            try (PackReader p = PackReader.open(repo.packPath(ref.id()), ref.id(), ref.unitCount());
                 FileChannel ch = FileChannel.open(repo.packPath(ref.id()), StandardOpenOption.READ)) {
                for (int f = 0; f < p.frameCount(); f++) {
                    ByteBuffer codec = ByteBuffer.allocate(1);
                    ch.read(codec, p.frameStart(f));
                    if (codec.get(0) == Codec.NONE.code) stored++;
                    else compressed++;
                }
            }
        }
        assertTrue(stored >= 1 && compressed >= 1, stored + " stored and " + compressed + " compressed frames");
    }

    @Test
    void encryptedFramesReadInBatches() throws IOException {
        byte[] k = new byte[32];
        new java.util.Random(3).nextBytes(k);
        Path keyFile = dir.resolve("key");
        Files.write(keyFile, k);
        RepositoryKey key = RepositoryKey.fromFile(keyFile);
        Repository repo = Repository.openWithKey(dir.resolve("repo"), true, key);
        repo.enableEncryption(key);
        String child = writeParentAndChild(repo, Codec.ZSTD);
        try (Checkpoint c = repo.open(child)) {
            checkBatches(c, 4);
        }
    }

    @Test
    void aDamagedFrameIsRefusedNamingIt() throws IOException {
        // Compressed, and stored as it is (random pages in a zstd pack): there only the frame's CRC sees the damage.
        for (boolean random : new boolean[] {false, true}) aDamagedFrameIsRefusedNamingIt(random);
    }

    private void aDamagedFrameIsRefusedNamingIt(boolean random) throws IOException {
        Repository repo = Repository.open(dir.resolve("repo-" + random), true);
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta("parent", 300), Codec.ZSTD, 3, null)) {
            for (int i = 0; i < 300; i++) w.putPage(i, random ? randomPage(i) : TestPages.page(i));
            parent = w.commit(ProgressListener.NONE);
        }
        Path pack = repo.packPath(repo.readManifest(parent).packs().get(0).id());
        try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            long at = PackFormat.HEADER_LENGTH + PackFormat.FRAME_HEADER_LENGTH + 10; // inside frame 0's data
            ch.read(one, at);
            one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
            ch.write(one, at);
        }
        for (String way : MODES) {
            try (Checkpoint c = repo.open(parent); BatchReader r = reader(c, way)) {
                FrameBatch first = c.dataBatches(16).get(0);
                BitSet delivered = new BitSet();
                CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> r.readCopies(first, (i, b) -> delivered.set(i)));
                assertTrue(e.getMessage().contains("frame 0"), way + ": " + e.getMessage());
                assertTrue(delivered.isEmpty(), way + ": pages of the damaged frame 0 delivered: " + delivered);
            }
        }
    }

    /**
     * A batch is checked frame by frame as it is decompressed: damage in its first, a middle or its last frame is
     * refused naming that frame, and the sink never receives a page of the damaged frame or of any frame after it
     * (eager restore installs nothing when a batch fails, lazy restore never installs a page that was not checked).
     */
    @Test
    void aDamagedFrameAnywhereInABatchIsRefusedBeforeAnyOfItsPagesIsDelivered() throws IOException {
        for (int damaged : new int[] {0, 7, 15}) {
            Repository repo = Repository.open(dir.resolve("repo-" + damaged), true);
            String id;
            try (CheckpointWriter w = repo.begin(TestPages.meta("c", 1024), Codec.ZSTD, 3, null)) {
                for (int i = 0; i < 1024; i++) w.putPage(i, TestPages.page(i)); // 16 frames of 64 pages
                id = w.commit(ProgressListener.NONE);
            }
            Manifest.PackRef ref = repo.readManifest(id).packs().get(0);
            Path pack = repo.packPath(ref.id());
            int upf;
            try (PackReader p = PackReader.open(pack, ref.id(), ref.unitCount())) {
                upf = p.unitsPerFrame();
                long at = p.frameStart(damaged) + PackFormat.FRAME_HEADER_LENGTH + 10; // inside the frame's data
                try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    ByteBuffer one = ByteBuffer.allocate(1);
                    ch.read(one, at);
                    one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
                    ch.write(one, at);
                }
            }
            for (String way : MODES) {
                try (Checkpoint c = repo.open(id); BatchReader r = reader(c, way)) {
                    List<FrameBatch> batches = c.dataBatches(16);
                    assertEquals(1, batches.size());
                    assertEquals(16, batches.get(0).frameCount);
                    BitSet delivered = new BitSet();
                    CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                            () -> r.readCopies(batches.get(0), (i, b) -> delivered.set(i)));
                    assertTrue(e.getMessage().contains("frame " + damaged), way + ": " + e.getMessage());
                    assertEquals(damaged * upf, delivered.cardinality(), way + ": pages delivered before the damaged frame " + damaged);
                    assertEquals(damaged * upf, delivered.nextClearBit(0), "only the frames before the damaged one");
                }
            }
        }
    }
}
