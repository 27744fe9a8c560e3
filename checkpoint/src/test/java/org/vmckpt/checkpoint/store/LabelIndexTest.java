package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The label index ({@code LABELS}, {@link LabelIndex}): in a repository of many checkpoints every label resolves to
 * its own checkpoint through it, and the index then lists every manifest with its label; it is read (a damaged manifest
 * it knows is refused as damaged by its label, where a scan of the manifests skips it); whatever the index says, or
 * whether it is there at all (a repository of an older build, a damaged, truncated, newer or lying file, checkpoints
 * added, deleted or rewritten since), every answer is the manifests' own; an encrypted repository keeps none.
 */
class LabelIndexTest {
    @TempDir
    Path dir;

    private static String write(Repository repo, String label) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta(label, 16), null)) {
            for (int i = 0; i < 16; i++) w.putPage(i, TestPages.page(i + (label == null ? 0 : label.hashCode())));
            return w.commit(ProgressListener.NONE);
        }
    }

    private Path indexFile() {
        return dir.resolve(LabelIndex.FILE_NAME);
    }

    private Map<String, LabelIndex.Entry> index() throws IOException {
        return LabelIndex.decode(indexFile(), Files.readAllBytes(indexFile()));
    }

    /** label -> id for 40 checkpoints, every fifth without a label. */
    private Map<String, String> manyCheckpoints(Repository repo, List<String> unlabelled) throws IOException {
        Map<String, String> byLabel = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            if (i % 5 == 0) unlabelled.add(write(repo, null));
            else byLabel.put("ck-" + i, write(repo, "ck-" + i));
        }
        return byLabel;
    }

    @Test
    void everyLabelOfManyCheckpointsResolvesToItsOwnAndTheIndexListsThemAll() throws IOException {
        Repository repo = Repository.open(dir, true);
        List<String> unlabelled = new ArrayList<>();
        Map<String, String> byLabel = manyCheckpoints(repo, unlabelled);
        assertFalse(Files.exists(indexFile()), "a commit writes no index");
        for (Map.Entry<String, String> e : byLabel.entrySet()) {
            assertEquals(e.getValue(), repo.resolve(e.getKey()), e.getKey());
            try (Checkpoint c = repo.open(e.getKey())) {
                assertEquals(e.getValue(), c.id());
                assertEquals(e.getKey(), c.info().label());
            }
        }
        Map<String, LabelIndex.Entry> index = index();
        assertEquals(40, index.size());
        for (Map.Entry<String, String> e : byLabel.entrySet()) assertEquals(e.getKey(), index.get(e.getValue()).label());
        for (String id : unlabelled) assertNull(index.get(id).label(), id);
        for (Map.Entry<String, LabelIndex.Entry> e : index.entrySet()) {
            BasicFileAttributes a = Files.readAttributes(repo.manifestPath(e.getKey()), BasicFileAttributes.class);
            assertEquals(LabelIndex.Stamp.of(a), e.getValue().stamp());
        }
        // Up to date: not written again.
        Object file = Files.readAttributes(indexFile(), BasicFileAttributes.class).fileKey();
        assertEquals(byLabel.get("ck-7"), repo.resolve("ck-7"));
        assertEquals(file, Files.readAttributes(indexFile(), BasicFileAttributes.class).fileKey());
        // Ids and id prefixes are as before; a label nobody has is not found.
        String some = unlabelled.get(1);
        assertEquals(some, repo.resolve(some));
        assertEquals(some, repo.resolve(some.substring(0, 12)));
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("ck-5"));
        assertTrue(Repository.verifyFile(indexFile()).problems().isEmpty(), Repository.verifyFile(indexFile()).problems().toString());
    }

    @Test
    void theIndexIsRead() throws IOException {
        Repository repo = Repository.open(dir, true);
        write(repo, "other");
        String id = write(repo, "x");
        assertEquals(id, repo.resolve("x")); // builds the index
        // The manifest damaged in place, its size and modification time kept: the index still knows its label.
        Path m = repo.manifestPath(id);
        FileTime mtime = Files.getLastModifiedTime(m);
        byte[] b = Files.readAllBytes(m);
        b[b.length / 2] ^= 0x55;
        Files.write(m, b);
        Files.setLastModifiedTime(m, mtime);
        assertThrows(CheckpointFormatException.class, () -> repo.open("x"), "refused as damaged, found through the index");
        assertThrows(CheckpointFormatException.class, () -> repo.resolve("x"));
        Files.delete(indexFile());
        assertThrows(CheckpointNotFoundException.class, () -> repo.open("x"), "a scan skips an unreadable manifest");
    }

    @Test
    void checkpointsAddedDeletedOrRewrittenSinceTheIndexAreAsTheManifestsSay() throws IOException {
        Repository repo = Repository.open(dir, true);
        String a = write(repo, "a");
        String b = write(repo, "b");
        String c = write(repo, "c");
        assertEquals(a, repo.resolve("a"));
        String d = write(repo, "d");
        assertEquals(d, repo.resolve("d"));
        repo.delete("b");
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("b"));
        // Rewritten with another label (a new file: another size or time).
        Manifest mc = ManifestCodec.read(repo.manifestPath(c));
        CheckpointInfo i = mc.info();
        CheckpointInfo relabelled = new CheckpointInfo(i.id(), "c-renamed", i.parentId(), i.created(), i.kind(), i.mode(), i.pageCount(), i.stats());
        Files.write(repo.manifestPath(c), ManifestCodec.encode(new Manifest(relabelled, mc.config(), mc.records(), mc.packs(), mc.pages(), mc.disk(),
                mc.workingSet(), mc.writeOrder())));
        Files.setLastModifiedTime(repo.manifestPath(c), FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        assertEquals(c, repo.resolve("c-renamed"));
        assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("c"));
        String d2 = write(repo, "d");
        CheckpointNotFoundException twice = assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("d"));
        assertTrue(twice.getMessage().contains("used by 2"), twice.getMessage());
        repo.delete(d2);
        assertEquals(d, repo.resolve("d"));
        Map<String, LabelIndex.Entry> index = index();
        assertEquals(List.of(a, c, d).stream().sorted().toList(), new ArrayList<>(index.keySet()));
        assertEquals("c-renamed", index.get(c).label());
        assertNotEquals(b, repo.resolve("a"));
    }

    @Test
    void aMissingDamagedNewerOrLyingIndexChangesNoAnswer() throws IOException {
        Repository repo = Repository.open(dir, true);
        List<String> unlabelled = new ArrayList<>();
        Map<String, String> byLabel = manyCheckpoints(repo, unlabelled);
        assertEquals(byLabel.get("ck-1"), repo.resolve("ck-1"));
        byte[] good = Files.readAllBytes(indexFile());

        byte[] damaged = good.clone();
        damaged[damaged.length / 2] ^= 1;
        byte[] newer = good.clone();
        newer[4 + 1 + LabelIndex.NAME.length()] = 2; // the version's low byte
        Map<String, LabelIndex.Entry> lies = new TreeMap<>(index());
        // ck-2's checkpoint claims ck-3's label, ck-4's checkpoint claims none, stamps kept.
        lies.put(byLabel.get("ck-2"), new LabelIndex.Entry(lies.get(byLabel.get("ck-2")).stamp(), "ck-3"));
        lies.put(byLabel.get("ck-4"), new LabelIndex.Entry(lies.get(byLabel.get("ck-4")).stamp(), null));
        lies.put(byLabel.get("ck-6"), new LabelIndex.Entry(lies.get(byLabel.get("ck-6")).stamp(), "ghost"));
        List<byte[]> variants = List.of(damaged, java.util.Arrays.copyOf(good, good.length / 3), new byte[0], newer, LabelIndex.encode(lies));
        for (byte[] v : variants) {
            Files.write(indexFile(), v);
            for (Map.Entry<String, String> e : byLabel.entrySet()) {
                assertEquals(e.getValue(), repo.resolve(e.getKey()), e.getKey());
                try (Checkpoint ck = repo.open(e.getKey())) {
                    assertEquals(e.getValue(), ck.id());
                }
            }
            assertThrows(CheckpointNotFoundException.class, () -> repo.resolve("ghost"));
            assertThrows(CheckpointNotFoundException.class, () -> repo.open("ghost"));
        }
        // A damaged one is rebuilt.
        Files.write(indexFile(), damaged);
        repo.resolve("ck-1");
        assertEquals(40, index().size());
        // Not a file: ignored.
        Files.delete(indexFile());
        Files.createDirectory(indexFile());
        assertEquals(byLabel.get("ck-8"), repo.resolve("ck-8"));
    }

    @Test
    void aRepositoryWithoutIndexIsReadAndGetsOne() throws IOException {
        Repository old = Repository.open(dir, true);
        List<String> unlabelled = new ArrayList<>();
        Map<String, String> byLabel = manyCheckpoints(old, unlabelled);
        assertFalse(Files.exists(indexFile()));
        Repository repo = Repository.open(dir, false);
        assertEquals(40, repo.list().size());
        assertEquals(byLabel.get("ck-11"), repo.resolve("ck-11"));
        assertTrue(Files.exists(indexFile()));
        for (String id : byLabel.values()) {
            try (Checkpoint c = repo.open(id)) {
                assertTrue(c.verify(ProgressListener.NONE).problems().isEmpty());
            }
        }
        repo.gc();
        assertTrue(Files.exists(indexFile()), "garbage collection leaves the index");
        assertEquals(byLabel.get("ck-12"), repo.resolve("ck-12"));
    }

    /**
     * Round 80: a repository told to hold its label index (a restore, which may still fail after its look-up) writes
     * none during look-ups, and writes what they found, the index an unheld look-up writes, when asked.
     */
    @Test
    void aHeldIndexIsWrittenOnlyWhenAskedAndAsALookUpWouldWriteIt() throws IOException {
        Repository old = Repository.open(dir, true);
        List<String> unlabelled = new ArrayList<>();
        Map<String, String> byLabel = manyCheckpoints(old, unlabelled);
        Repository held = Repository.open(dir, false);
        held.holdLabelIndex();
        assertEquals(byLabel.get("ck-11"), held.resolve("ck-11"));
        try (Checkpoint c = held.open("ck-12")) {
            assertEquals(byLabel.get("ck-12"), c.id());
        }
        assertFalse(Files.exists(indexFile()), "a held look-up writes no index");
        held.writeHeldLabelIndex();
        byte[] written = Files.readAllBytes(indexFile());
        Files.delete(indexFile());
        assertEquals(byLabel.get("ck-11"), Repository.open(dir, false).resolve("ck-11"));
        assertArrayEquals(Files.readAllBytes(indexFile()), written, "the held index is the one a look-up writes");
        // Written once: nothing is held any more, and later look-ups write as they find (not held).
        Files.delete(indexFile());
        held.writeHeldLabelIndex();
        assertFalse(Files.exists(indexFile()));
        assertEquals(byLabel.get("ck-13"), held.resolve("ck-13"));
        assertTrue(Files.exists(indexFile()));
    }

    @Test
    void anEncryptedRepositoryKeepsNoIndex() throws IOException {
        byte[] k = new byte[32];
        new java.util.Random(7).nextBytes(k);
        Path keyFile = Files.write(Files.createTempFile("labels-key", ""), k);
        RepositoryKey key = RepositoryKey.fromFile(keyFile);
        Repository repo = Repository.openWithKey(dir, true, key);
        repo.enableEncryption(key);
        String a = write(repo, "secret-a");
        String b = write(repo, "secret-b");
        assertEquals(a, repo.resolve("secret-a"));
        try (Checkpoint c = repo.open("secret-b")) {
            assertEquals(b, c.id());
        }
        assertFalse(Files.exists(indexFile()));
        Files.delete(keyFile);
    }
}
