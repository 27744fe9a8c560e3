package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Pack compaction ({@link Repository#compact}): every checkpoint reads back bit-exactly (a hash of its records, every
 * page's kind and bytes and every disk block) after it, after a crash at each of its steps, after partial steps; packs
 * shared by several checkpoints; encrypted repositories; writers in progress; readers that opened a checkpoint before.
 */
class CompactionTest {
    @TempDir
    Path dir;

    private static final int PAGES = 512;
    private static final String[] STEPS = {"pack-written", "pack-published", "manifests-written", "first-manifest-renamed", "manifests-published"};

    /** A simulated crash: an Error the compaction does not handle, thrown at a step. */
    private static final class Crash extends Error {
        Crash(String step) {
            super("crash at " + step);
        }
    }

    /**
     * A series like a guest's under --keep-checkpoints: a full checkpoint, then incremental ones each rewriting 3/4 of the
     * pages (a different quarter kept each time) and a few disk blocks; the oldest deleted, so the old packs are used
     * only in part (the quarter that was never rewritten since) by the checkpoints left, two or more of which share them.
     */
    private static List<String> series(Repository repo, int length, int keep) throws IOException {
        java.util.ArrayDeque<String> kept = new java.util.ArrayDeque<>();
        String parent = null;
        for (int k = 0; k < length; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), parent)) {
                for (int i = 0; i < PAGES; i++) {
                    // Pages 0..31 are written only by the full checkpoint (kernel-like pages that live on). Every kind
                    // of page is among them and among the later ones, between DATA runs (a rewritten table copies the
                    // other kinds' fields as they are).
                    if (k == 0 && i % 10 == 3) w.putPageKind(i, PageKind.DISK_BLOCK, 3L * i);
                    else if (k == 0 && i % 10 == 4) w.putPageSource(i, 0, 8L * i + 3);
                    else if (k == 0 && i % 10 == 5) w.putPageKind(i, PageKind.FREE, 0);
                    else if (k == 0 && i % 10 == 6) w.putPageKind(i, PageKind.ZERO, 0);
                    else if (k > 0 && i >= 32 && i % 16 == 7) w.putPageSource(i, 8 + k % 2, 8L * (i + k) + 1);
                    else if (k > 0 && i >= 32 && i % 16 == 9) w.putPageKind(i, PageKind.DISK_BLOCK, 5L * i + k);
                    else if (k == 0 || (i >= 32 && (i / 8) % 4 != k % 4)) w.putPage(i, TestPages.page(1000L * k + i));
                }
                w.putDiskBlockKind(10 + k % 4, PageKind.ZERO);
                w.putDiskBlock(k % 3, TestPages.page(77_000L + k));
                w.putRecord("cpu", 1, new byte[] {(byte) k, 1, 2});
                parent = w.commit(ProgressListener.NONE);
            }
            kept.addLast(parent);
            while (kept.size() > keep) repo.delete(kept.removeFirst());
        }
        repo.gc();
        return List.copyOf(kept);
    }

    /** A hash of everything a restore reads of the checkpoint. */
    static String contentHash(Repository repo, String id) throws Exception {
        try (Checkpoint c = repo.open(id)) {
            return contentHash(c);
        }
    }

    /** {@link #contentHash(Repository, String)} of a checkpoint already open. */
    static String contentHash(Checkpoint c) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        {
            for (StateRecord r : c.records().values()) {
                d.update(r.name().getBytes());
                d.update(r.payload());
            }
            byte[] b = new byte[4096];
            for (int i = 0; i < c.pageCount(); i++) {
                java.util.Arrays.fill(b, (byte) 0x55);
                d.update((byte) c.readPage(i, b).ordinal());
                d.update(b);
                // What a restore reads for the kinds that are references: the block, the source and its sector.
                d.update(java.nio.ByteBuffer.allocate(20).putLong(c.pageDiskBlock(i)).putInt(c.pageSource(i))
                        .putLong(c.pageSourceSector(i)).array());
            }
            for (Extent e : c.diskExtents()) {
                for (long k = e.start(); k < e.start() + e.length(); k++) {
                    d.update(java.nio.ByteBuffer.allocate(8).putLong(k).array());
                    PageKind kind = c.readDiskBlock(k, b);
                    d.update((byte) kind.ordinal());
                    d.update(b);
                }
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static Map<String, String> hashes(Repository repo) throws Exception {
        Map<String, String> out = new HashMap<>();
        for (String id : repo.manifestIds()) out.put(id, contentHash(repo, id));
        return out;
    }

    private static long packBytes(Path repoDir) throws IOException {
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static int packFiles(Path repoDir) throws IOException {
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            return (int) s.count();
        }
    }

    /** By used share alone (these tests' packs are all small: merging small packs has its own test). */
    private static CompactReport compact(Repository repo) throws IOException {
        return repo.compact(Repository.COMPACT_BELOW, 0, Repository.COMPACT_MAX_UNITS, Repository.COMPACT_MAX_FRAMES, Codec.ZSTD, 3);
    }

    private static void assertAllVerify(Repository repo) throws IOException {
        for (String id : repo.manifestIds()) {
            try (Checkpoint c = repo.open(id)) {
                VerifyReport r = c.verify(ProgressListener.NONE);
                assertTrue(r.ok(), id + ": " + r.problems());
            }
        }
    }

    @Test
    void compactionKeepsEveryCheckpointBitExactAndFreesTheMostlyUnusedPacks() throws Exception {
        Repository repo = Repository.open(dir, true);
        List<String> kept = series(repo, 12, 4);
        Map<String, String> before = hashes(repo);
        assertEquals(4, before.size());
        long bytesBefore = packBytes(dir);
        int packsBefore = packFiles(dir);
        Map<String, double[]> shares = repo.packShares();
        long under = shares.values().stream().filter(s -> s[0] / s[1] < 0.5).count();
        assertTrue(under >= 2, "the series leaves packs under half used: " + under);

        CompactReport r = compact(repo);
        assertTrue(r.packsCompacted() >= 2, r.toString());
        assertEquals(r.packsCompacted(), r.packsDeleted(), "every pack moved whole is deleted: " + r);
        assertTrue(r.manifestsRewritten() >= 2, "the packs were shared by several checkpoints: " + r);
        assertEquals(before, hashes(repo), "every checkpoint reads back exactly as before");
        assertEquals(before, hashes(Repository.open(dir, false)), "and so in a fresh process's view");
        assertTrue(packBytes(dir) < bytesBefore, packBytes(dir) + " < " + bytesBefore);
        assertTrue(packFiles(dir) < packsBefore);
        for (double[] s : repo.packShares().values()) assertTrue(s[0] / s[1] >= 0.5, "no pack left under half used");
        assertEquals(0, repo.gc().packsDeleted(), "nothing left for gc");
        assertEquals(0, compact(repo).packsCompacted(), "a second call finds nothing to do");
        assertAllVerify(repo);
        assertEquals(Set.copyOf(kept), Set.copyOf(repo.manifestIds()));
        assertEquals(4, RepoReader.readEverything(dir));
    }

    @Test
    void aPackSharedByTwoCheckpointsIsMovedForBoth() throws Exception {
        Repository repo = Repository.open(dir, true);
        String a;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 256), null)) {
            for (int i = 0; i < 256; i++) w.putPage(i, TestPages.page(i));
            a = w.commit(ProgressListener.NONE);
        }
        String b, c;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 256), a)) {
            for (int i = 16; i < 256; i++) w.putPage(i, TestPages.page(5000 + i));
            b = w.commit(ProgressListener.NONE);
        }
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 256), b)) {
            for (int i = 100; i < 120; i++) w.putPage(i, TestPages.page(9000 + i));
            c = w.commit(ProgressListener.NONE);
        }
        repo.delete(a);
        repo.gc();
        String packA = repo.readManifest(b).packs().get(1).id();
        assertEquals(packA, repo.readManifest(c).packs().get(2).id(), "b and c both use a's pack (pages 0..15)");
        Map<String, String> before = hashes(repo);

        CompactReport r = compact(repo);
        assertEquals(1, r.packsCompacted(), r.toString());
        assertEquals(16, r.unitsCopied());
        assertEquals(2, r.manifestsRewritten());
        assertFalse(Files.exists(repo.packPath(packA)));
        assertEquals(before, hashes(repo));
        for (String id : List.of(b, c)) {
            Manifest m = repo.readManifest(id);
            assertTrue(m.packs().stream().noneMatch(p -> p.id().equals(packA)), id + " no longer names the old pack");
            assertEquals(repo.readManifest(id).info(), m.info(), "its description is unchanged");
        }
        assertAllVerify(repo);
    }

    @Test
    void aCrashAtEachStepLeavesEveryCheckpointRestorable() throws Exception {
        for (String step : STEPS) {
            Path repoDir = dir.resolve(step);
            Repository repo = Repository.open(repoDir, true);
            series(repo, 12, 4);
            Map<String, String> before = hashes(repo);
            repo.setCompactSteps(s -> {
                if (s.equals(step)) throw new Crash(s);
            });
            Crash crash = assertThrows(Crash.class, () -> compact(repo), step);
            assertEquals("crash at " + step, crash.getMessage());
            // After the crash, as a new process sees it: every checkpoint, the same bytes.
            Repository after = Repository.open(repoDir, false);
            assertEquals(before, hashes(after), "after a crash at " + step);
            assertAllVerify(after);
            assertEquals(4, RepoReader.readEverything(repoDir), step);
            // gc cleans what the crash left, and a compaction then finishes the work.
            after.gc();
            assertEquals(before, hashes(after), "after gc, crash at " + step);
            CompactReport r = compact(after);
            assertEquals(before, hashes(after), "after the compaction that followed the crash at " + step);
            for (double[] s : after.packShares().values()) assertTrue(s[0] / s[1] >= 0.5, step + ": " + r);
            assertEquals(0, after.gc().packsDeleted(), step);
            assertAllVerify(after);
        }
    }

    @Test
    void smallStepsMovePacksInPartAndEachLeavesTheCheckpointsExact() throws Exception {
        Repository repo = Repository.open(dir, true);
        series(repo, 12, 4);
        Map<String, String> before = hashes(repo);
        int steps = 0;
        boolean partial = false;
        while (true) {
            Map<String, double[]> sharesBefore = repo.packShares();
            CompactReport r = repo.compact(0.5, 0, 5, 2, Codec.ZSTD, 3);
            if (r.packsCompacted() == 0) break;
            steps++;
            assertTrue(r.unitsCopied() <= 5 && r.framesRead() <= 2, "the bound holds: " + r);
            if (r.packsDeleted() < r.packsCompacted()) partial = true;
            assertEquals(before, hashes(repo), "after step " + steps);
            assertTrue(steps < 200, "the steps end");
            assertNotEquals(sharesBefore, repo.packShares());
        }
        assertTrue(partial, "some step moved a pack in part");
        assertTrue(steps > 3);
        for (double[] s : repo.packShares().values()) assertTrue(s[0] / s[1] >= 0.5);
        assertEquals(0, repo.gc().packsDeleted());
        assertAllVerify(repo);
    }

    @Test
    void anEncryptedRepositoryIsCompactedWithItsKeyAndRefusedWithout() throws Exception {
        byte[] k = new byte[32];
        new java.util.Random(7).nextBytes(k);
        Path keyFile = dir.resolve("key");
        Files.write(keyFile, k);
        RepositoryKey key = RepositoryKey.fromFile(keyFile);
        Path repoDir = dir.resolve("repo");
        Repository repo = Repository.openWithKey(repoDir, true, null);
        repo.enableEncryption(key);
        series(repo, 12, 4);
        Map<String, String> before = hashes(repo);
        Repository noKey = Repository.openWithKey(repoDir, false, null);
        assertThrows(IOException.class, () -> compact(noKey));
        assertEquals(before, hashes(repo), "the refusal changed nothing");
        CompactReport r = compact(repo);
        assertTrue(r.packsCompacted() >= 2, r.toString());
        assertEquals(before, hashes(Repository.openWithKey(repoDir, false, key)));
        byte[] page = TestPages.page(1000L * 11 + 40);
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            for (Path p : s.toList()) assertFalse(EncryptionTestBytes.contains(Files.readAllBytes(p), java.util.Arrays.copyOf(page, 64)), "sealed");
        }
        assertAllVerify(repo);
    }

    @Test
    void aWriterInProgressKeepsItsParentsPacksAndCommits() throws Exception {
        Repository repo = Repository.open(dir, true);
        List<String> kept = series(repo, 12, 4);
        String newest = kept.get(kept.size() - 1);
        Set<String> parentPacks = new HashSet<>();
        for (Manifest.PackRef p : repo.readManifest(newest).packs()) parentPacks.add(p.id());
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), newest)) {
            w.putPage(40, TestPages.page(123_456));
            compact(repo);
            for (String p : parentPacks) assertTrue(Files.exists(repo.packPath(p)), "the parent's pack " + p + " is kept");
            child = w.commit(ProgressListener.NONE);
        }
        Map<String, String> now = hashes(repo);
        assertTrue(now.containsKey(child));
        // Once the writer is done the packs are free to move, and the child reads the same afterwards.
        compact(repo);
        assertEquals(now, hashes(repo));
        assertAllVerify(repo);
    }

    @Test
    void theNextIncrementalCheckpointTakesTheCompactedManifestAsItsParent() throws Exception {
        Repository repo = Repository.open(dir, true);
        List<String> kept = series(repo, 12, 4);
        String newest = kept.get(kept.size() - 1);
        assertTrue(repo.reusesWriterTables());
        CompactReport r = compact(repo);
        assertTrue(r.packsDeleted() >= 1, r.toString());
        // The parent comes from this process's last commit (WriterReuse): it must name the packs as they are now.
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), newest)) {
            w.putPage(40, TestPages.page(123_456));
            child = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(child); Checkpoint p = repo.open(newest)) {
            byte[] a = new byte[4096], b = new byte[4096];
            for (int i = 0; i < PAGES; i++) {
                java.util.Arrays.fill(a, (byte) 1);
                java.util.Arrays.fill(b, (byte) 1);
                PageKind ka = c.readPage(i, a);
                if (i == 40) {
                    assertArrayEquals(TestPages.page(123_456), a);
                    continue;
                }
                assertEquals(p.readPage(i, b), ka, "page " + i + "'s kind inherited");
                assertArrayEquals(b, a, "page " + i + " inherited");
                assertEquals(p.pageDiskBlock(i), c.pageDiskBlock(i));
                assertEquals(p.pageSourceSector(i), c.pageSourceSector(i));
            }
        }
        assertAllVerify(repo);
    }

    @Test
    void aCompactionByAnotherProcessDoesNotBreakTheNextIncrementalCheckpoint() throws Exception {
        Repository repo = Repository.open(dir, true);
        List<String> kept = series(repo, 12, 4);
        String newest = kept.get(kept.size() - 1);
        // Another process's view of the repository (its own caches; the same locks): it compacts, rewriting the
        // manifest this process would take from memory as the next checkpoint's parent, and deleting packs it names.
        Repository other = Repository.open(dir, false);
        assertTrue(compact(other).packsDeleted() >= 1);
        String child;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), newest)) {
            w.putPage(40, TestPages.page(123_456));
            child = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(child); Checkpoint p = repo.open(newest)) {
            byte[] a = new byte[4096], b = new byte[4096];
            for (int i = 0; i < PAGES; i++) {
                java.util.Arrays.fill(a, (byte) 1);
                java.util.Arrays.fill(b, (byte) 1);
                PageKind ka = c.readPage(i, a);
                if (i == 40) continue;
                assertEquals(p.readPage(i, b), ka, "page " + i + "'s kind inherited");
                assertArrayEquals(b, a, "page " + i + " inherited");
                assertEquals(p.pageSourceSector(i), c.pageSourceSector(i));
            }
        }
        assertAllVerify(repo);
    }

    @Test
    void aCheckpointOpenedBeforeACompactionReadsItsPagesAfterIt() throws Exception {
        Repository repo = Repository.open(dir, true);
        List<String> kept = series(repo, 12, 4);
        String oldest = kept.get(0);
        String expected = contentHash(repo, oldest);
        try (Checkpoint c = repo.open(oldest)) {
            // Opened (its manifest read), no page read yet: a compaction moves its units and deletes the old packs.
            assertTrue(compact(repo).packsDeleted() >= 1);
            assertEquals(expected, contentHash(c));
        }
    }

    @Test
    void smallPacksAreMergedHoweverUsedAndALoneOneIsLeft() throws Exception {
        Repository repo = Repository.open(dir, true);
        // A full checkpoint, then each writes 20 pages no later one rewrites: every pack is mostly or wholly used, and small.
        String parent = null;
        for (int k = 0; k < 8; k++) {
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), parent)) {
                for (int i = k == 0 ? 0 : 20 * k; i < (k == 0 ? PAGES : 20 * k + 20); i++) w.putPage(i, TestPages.page(31L * k + i));
                parent = w.commit(ProgressListener.NONE);
            }
        }
        Map<String, String> before = hashes(repo);
        assertEquals(8, packFiles(dir));
        assertEquals(0, compact(repo).packsCompacted(), "by share alone nothing is under half used");
        CompactReport r = repo.compact(0.5, 1024, 4096, 256, Codec.ZSTD, 3);
        assertEquals(8, r.packsCompacted(), r.toString());
        assertEquals(8, r.packsDeleted());
        assertEquals(PAGES + 7 * 20, r.unitsCopied(), "every unit some checkpoint uses, once");
        assertEquals(1, packFiles(dir), "one pack holds them all");
        assertEquals(before, hashes(repo));
        assertEquals(0, repo.compact(0.5, 1024, 4096, 256, Codec.ZSTD, 3).packsCompacted(), "a lone small pack is left");
        assertAllVerify(repo);
    }

    /** Byte search (as EncryptionTest's). */
    static final class EncryptionTestBytes {
        static boolean contains(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
                return true;
            }
            return false;
        }
    }
}
