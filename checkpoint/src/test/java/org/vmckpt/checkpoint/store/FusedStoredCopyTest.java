package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link BatchReader#FUSED_STORED} ({@code -Dvmckpt.restore.fusedStored}, round 79): a frame stored as it is (pages that
 * did not compress, issue 9's memrandom) copied into its pages' new arrays and checked (CRC32C over those arrays) in one
 * pass, and a reader's buffer sized once ({@link BatchReader#reserve}). Every DATA page reads back as
 * {@link Checkpoint#readPage} gives it, in heap and direct buffers, for an incremental checkpoint whose stored and
 * compressed frames lie in two packs with gaps; a damaged stored frame (its data or its header) is refused with the
 * message the reader without the switch gives, before any of its pages is handed out.
 */
class FusedStoredCopyTest {
    @TempDir
    Path dir;

    /** Random bytes: a frame of such pages does not compress and is stored as it is, also in a zstd pack. */
    private static byte[] randomPage(long seed) {
        byte[] p = new byte[4096];
        new java.util.Random(seed).nextBytes(p);
        return p;
    }

    /**
     * Parent: 900 DATA pages, 128..767 random (stored frames), the rest compressible. Child: every 5th page rewritten
     * (random from 300 on), 100..149 zero, the rest inherited: its batches take some units of a frame and skip others.
     */
    private static String writeParentAndChild(Repository repo, Codec codec) throws IOException {
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta("parent", 900), codec, 3, null)) {
            for (int i = 0; i < 900; i++) w.putPage(i, i >= 128 && i < 768 ? randomPage(i) : TestPages.page(i));
            parent = w.commit(ProgressListener.NONE);
        }
        try (CheckpointWriter w = repo.begin(TestPages.meta("child", 900), codec, 3, parent)) {
            for (int i = 0; i < 900; i += 5) if (i < 100 || i >= 150) w.putPage(i, i >= 300 ? randomPage(7000 + i) : TestPages.page(5000 + i));
            for (int i = 100; i < 150; i++) w.putPageKind(i, PageKind.ZERO);
            return w.commit(ProgressListener.NONE);
        }
    }

    /**
     * Every DATA page as {@link Checkpoint#readPage} gives it, read once per checkpoint (not once per pass: the store's
     * methods stay as cool as other tests leave them, for RestoreTier1Test's tiers in the same JVM).
     */
    private static byte[][] expectedPages(Checkpoint c) throws IOException {
        byte[][] out = new byte[c.pageCount()][];
        for (int i = 0; i < out.length; i++) {
            if (c.pageKind(i) != PageKind.DATA) continue;
            out[i] = new byte[4096];
            assertEquals(PageKind.DATA, c.readPage(i, out[i]));
        }
        return out;
    }

    /** Reads every batch with a fused reader; returns the frames it fused. */
    private static int readAll(Checkpoint c, byte[][] expectedPages, int maxFrames, boolean direct) throws IOException {
        List<FrameBatch> batches = c.dataBatches(maxFrames);
        BitSet seen = new BitSet();
        String mode = (direct ? "direct" : "heap") + ", " + maxFrames + " frames: page ";
        try (BatchReader r = c.openBatchReader(direct, true)) {
            assertTrue(r.fused());
            for (FrameBatch b : batches) {
                List<byte[]> kept = new ArrayList<>();
                int before = seen.cardinality();
                r.readCopies(b, (index, page) -> {
                    assertEquals(4096, page.length);
                    for (byte[] k : kept) assertNotSame(k, page, mode + index + " shares an array with another page");
                    kept.add(page);
                    assertFalse(seen.get(index), mode + index + " delivered twice");
                    seen.set(index);
                    assertTrue(b.holds(index));
                    assertNotNull(expectedPages[index], mode + index + " is no DATA page");
                    assertArrayEquals(expectedPages[index], page, mode + index);
                });
                assertEquals(b.pageCount(), seen.cardinality() - before);
            }
            for (int i = 0; i < c.pageCount(); i++) assertEquals(c.pageKind(i) == PageKind.DATA, seen.get(i), mode + i);
            return r.fusedFrames();
        }
    }

    @Test
    void everyDataPageReadsBackExactlyThroughTheFusedCopy() throws IOException {
        for (Codec codec : new Codec[] {Codec.ZSTD, Codec.NONE}) {
            Repository repo = Repository.open(dir.resolve("repo-" + codec), true);
            String child = writeParentAndChild(repo, codec);
            for (String id : new String[] {child, repo.readManifest(child).info().parentId()}) {
                try (Checkpoint c = repo.open(id)) {
                    byte[][] expected = expectedPages(c);
                    for (boolean direct : new boolean[] {false, true}) {
                        for (int maxFrames : new int[] {1, 2, 16}) {
                            int fused = readAll(c, expected, maxFrames, direct);
                            assertTrue(fused >= 2, codec + " " + id + ": the fused copy took " + fused + " frames");
                        }
                    }
                }
            }
        }
    }

    /** The largest batch's buffer, reserved once: reading every batch allocates no other read buffer. */
    @Test
    void aReservedReaderAllocatesItsReadBufferOnce() throws IOException {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String child = writeParentAndChild(repo, Codec.ZSTD);
        try (Checkpoint c = repo.open(repo.readManifest(child).info().parentId())) {
            for (boolean direct : new boolean[] {false, true}) {
                List<FrameBatch> batches = c.dataBatches(4);
                try (BatchReader r = c.openBatchReader(direct, true)) {
                    long largest = 0;
                    for (FrameBatch b : batches) largest = Math.max(largest, r.storedBytes(b));
                    r.reserve(largest);
                    assertEquals(1, r.bufferAllocations());
                    for (FrameBatch b : batches) r.readCopies(b, (i, p) -> { });
                    assertEquals(1, r.bufferAllocations(), (direct ? "direct" : "heap") + ": read buffers allocated");
                }
            }
        }
    }

    /**
     * Damage in a stored frame (its data, or its header's unit count) first, in the middle or last of a batch of 16:
     * refused naming the frame with the unfused reader's message, and no page of it or of a later frame handed out.
     */
    @Test
    void aDamagedStoredFrameIsRefusedAsWithoutBeforeAnyOfItsPagesIsDelivered() throws IOException {
        for (int damaged : new int[] {0, 7, 15}) {
            for (int where : new int[] {PackFormat.FRAME_HEADER_LENGTH + 4000, 2}) {
                Repository repo = Repository.open(dir.resolve("repo-" + damaged + "-" + where), true);
                String id;
                try (CheckpointWriter w = repo.begin(TestPages.meta("c", 1024), Codec.ZSTD, 3, null)) {
                    for (int i = 0; i < 1024; i++) w.putPage(i, randomPage(i)); // 16 stored frames of 64 pages
                    id = w.commit(ProgressListener.NONE);
                }
                Manifest.PackRef ref = repo.readManifest(id).packs().get(0);
                Path pack = repo.packPath(ref.id());
                int upf;
                try (PackReader p = PackReader.open(pack, ref.id(), ref.unitCount())) {
                    upf = p.unitsPerFrame();
                    long at = p.frameStart(damaged) + where;
                    try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                        ByteBuffer one = ByteBuffer.allocate(1);
                        ch.read(one, at);
                        one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
                        ch.write(one, at);
                    }
                }
                for (boolean direct : new boolean[] {false, true}) {
                    String way = (direct ? "direct" : "heap") + ", frame " + damaged + " byte " + where;
                    String without;
                    try (Checkpoint c = repo.open(id); BatchReader r = c.openBatchReader(direct, false)) {
                        FrameBatch b = c.dataBatches(16).get(0);
                        without = assertThrows(CheckpointFormatException.class, () -> r.readCopies(b, (i, p) -> { })).getMessage();
                    }
                    try (Checkpoint c = repo.open(id); BatchReader r = c.openBatchReader(direct, true)) {
                        List<FrameBatch> batches = c.dataBatches(16);
                        assertEquals(1, batches.size());
                        BitSet delivered = new BitSet();
                        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                                () -> r.readCopies(batches.get(0), (i, b) -> delivered.set(i)));
                        assertEquals(without, e.getMessage(), way);
                        assertTrue(e.getMessage().contains("frame " + damaged), way + ": " + e.getMessage());
                        assertEquals(damaged * upf, delivered.cardinality(), way + ": pages delivered before the damaged frame");
                        assertEquals(damaged * upf, delivered.nextClearBit(0), way + ": only the frames before the damaged one");
                        assertEquals(damaged, r.fusedFrames(), way + ": frames fused before the damaged one");
                    }
                }
            }
        }
    }
}
