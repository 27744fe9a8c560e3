package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A disk that fills up in the middle of a checkpoint gives a clear IOException, leaves no visible partial
 * checkpoint and no files behind, and does not touch the checkpoints already there.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    private static String write(Repository repo, int pages, Codec codec, int seed) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("big", pages), codec, 1, null)) {
            w.putRecord("hart0", 1, new byte[300]);
            for (int i = 0; i < pages; i++) w.putPage(i, TestPages.page(seed + i));
            w.putDiskBlock(1, TestPages.page(-1));
            return w.commit(ProgressListener.NONE);
        }
    }

    private static void assertOnly(Repository repo, String kept) throws IOException {
        assertEquals(List.of(kept), repo.manifestIds());
        assertEquals(1, repo.packIds().size(), "only the kept checkpoint's pack");
        try (var s = Files.list(repo.tmpDir())) {
            assertEquals(0, s.count(), "the failed writer removed its files");
        }
        assertEquals(1, RepoReader.readEverything(repo.dir()));
    }

    @Test
    void runningOutOfSpaceAtAnyPointFailsCleanly() throws IOException {
        Repository repo = Repository.open(dir, true);
        String kept = write(repo, 50, Codec.ZSTD, 0);

        AtomicLong counter = new AtomicLong(Long.MAX_VALUE);
        Repository measuring = Repository.open(dir.resolve("measure"), true, QuotaFileChannel.factory(counter));
        long before = counter.get();
        write(measuring, 300, Codec.ZSTD, 1000);
        long needed = before - counter.get();
        long pack = Files.size(measuring.packPath(measuring.packIds().get(0)));
        assertTrue(needed > pack && pack > 100_000, needed + " " + pack);

        TreeSet<Long> budgets = new TreeSet<>(List.of(0L, 1L, 40L, 5000L, pack / 3, pack / 2, pack - 30, pack - 1, pack + 10,
                needed - 60));
        for (long budget : budgets) {
            Repository full = Repository.open(dir, false, QuotaFileChannel.factory(new AtomicLong(budget)));
            IOException e = assertThrows(IOException.class, () -> write(full, 300, Codec.ZSTD, 1000), "budget " + budget);
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertOnly(repo, kept);
        }
        Repository enough = Repository.open(dir, false, QuotaFileChannel.factory(new AtomicLong(needed + 1000)));
        String id = write(enough, 300, Codec.ZSTD, 1000);
        assertEquals(2, RepoReader.readEverything(dir));
        repo.delete(id);
        repo.gc();
        assertOnly(repo, kept);
    }

    /** The real thing, when the test may mount a small tmpfs (root on Linux); skipped otherwise. */
    @Test
    void aRealFullFilesystemFailsCleanly() throws Exception {
        Path mnt = dir.resolve("tmpfs");
        Files.createDirectory(mnt);
        Assumptions.assumeTrue(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt.toString()) == 0,
                "cannot mount a tmpfs here (needs root)");
        try {
            Path repoDir = mnt.resolve("repo");
            Repository repo = Repository.open(repoDir, true);
            String kept = write(repo, 20, Codec.NONE, 0);
            IOException e = assertThrows(IOException.class, () -> write(repo, 300, Codec.NONE, 5000));
            assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
            assertOnly(repo, kept);
            String more = write(repo, 20, Codec.NONE, 77);
            assertEquals(2, RepoReader.readEverything(repoDir));
            repo.delete(more);
            assertEquals(1, repo.gc().packsDeleted());
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static int run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
