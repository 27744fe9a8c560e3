package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Garbage collection against writers in progress, dead writers' leftovers and deleted parents. */
class GcTest {
    @TempDir
    Path dir;

    private static String full(Repository repo, int pages, int seed) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, pages), null)) {
            for (int i = 0; i < pages; i++) w.putPage(i, TestPages.page(seed + i));
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void gcLeavesAWriterInProgressAlone() throws IOException {
        Repository repo = Repository.open(dir, true);
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 200), null)) {
            for (int i = 0; i < 150; i++) w.putPage(i, TestPages.page(i));
            GcReport gc = repo.gc();
            assertEquals(0, gc.tmpEntriesDeleted());
            for (int i = 150; i < 200; i++) w.putPage(i, TestPages.page(i));
            String id = w.commit(ProgressListener.NONE);
            assertEquals(List.of(id), repo.manifestIds());
        }
        assertEquals(1, RepoReader.readEverything(dir));
    }

    @Test
    void gcRemovesWhatDeadWritersLeft() throws IOException {
        Repository repo = Repository.open(dir, true);
        String kept = full(repo, 10, 0);
        // A writer that died: its lock file is no longer locked by anyone.
        Files.createDirectory(repo.tmpDir().resolve("00000000000000aa"));
        Files.write(repo.tmpDir().resolve("00000000000000aa").resolve("x.pack"), new byte[100]);
        Files.write(repo.tmpDir().resolve("00000000000000aa.lock"), new byte[0]);
        // A workspace whose lock file was already removed, and a stray file.
        Files.createDirectory(repo.tmpDir().resolve("00000000000000bb"));
        Files.write(repo.tmpDir().resolve("REPO.123"), new byte[10]);
        // A pack renamed into place by a writer that died before its manifest.
        Files.write(repo.packPath("0123456789abcdef0123456789abcdef"), new byte[50]);

        GcReport gc = repo.gc();
        assertEquals(3, gc.tmpEntriesDeleted());
        assertEquals(1, gc.packsDeleted());
        assertEquals(50, gc.bytesFreed());
        assertEquals(1, gc.packsKept());
        try (var s = Files.list(repo.tmpDir())) {
            assertEquals(0, s.count());
        }
        assertEquals(List.of(kept), repo.manifestIds());
        assertEquals(1, RepoReader.readEverything(dir));
    }

    @Test
    void aChildWhoseParentWasCollectedMeanwhileIsNotCommitted() throws IOException {
        Repository repo = Repository.open(dir, true);
        String parent = full(repo, 64, 0);
        String other = full(repo, 64, 100);
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 64), parent)) {
            w.putPage(0, TestPages.page(1000));
            repo.delete(parent);
            assertEquals(1, repo.gc().packsDeleted());
            IOException e = assertThrows(IOException.class, () -> w.commit(ProgressListener.NONE));
            assertTrue(e.getMessage().contains("garbage-collected"), e.getMessage());
            assertThrows(IOException.class, () -> w.putPage(1, TestPages.page(1)));
        }
        assertEquals(List.of(other), repo.manifestIds());
        assertEquals(1, RepoReader.readEverything(dir));
        repo.gc();
        RoundTripTest.assertExactlyReferencedPacks(repo);
    }

    @Test
    void anOpenCheckpointKeepsReadingAfterItIsDeletedAndCollected() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = full(repo, 200, 0);
        byte[] buf = new byte[4096];
        try (Checkpoint c = repo.open(id)) {
            c.readPage(0, buf);
            repo.delete(id);
            assertEquals(1, repo.gc().packsDeleted());
            for (int i = 0; i < 200; i++) {
                c.readPage(i, buf);
                assertArrayEquals(TestPages.page(i), buf);
            }
        }
    }

    @Test
    void deleteTakesAnIdAPrefixOrALabel() throws IOException {
        Repository repo = Repository.open(dir, true);
        String a = full(repo, 4, 0);
        String b = full(repo, 4, 1);
        assertEquals(a, repo.delete(a.substring(0, 6)));
        assertEquals(List.of(b), repo.manifestIds());
        assertThrows(CheckpointNotFoundException.class, () -> repo.delete(a));
        assertEquals(b, repo.delete(b));
        assertTrue(repo.list().isEmpty());
        assertEquals(2, repo.gc().packsDeleted());
    }
}
