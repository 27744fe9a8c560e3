package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Repository#contains}, which the engine asks before every incremental checkpoint, looks at one manifest, not a
 * listing of all (round 66: a VM checkpointed every second has thousands, and the listing allocated a path, strings and a
 * stat per manifest each time); it still means "a committed checkpoint has exactly this id".
 */
class RepositoryContainsTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void oneLookUpWhateverTheNumberOfCheckpoints(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        String id;
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 4), Codec.NONE, 0, null)) {
            w.putPage(0, TestPages.page(1));
            id = w.commit(ProgressListener.NONE);
        }
        // 2,000 more manifests' names (what a directory listing would walk through).
        for (int i = 0; i < 2000; i++) Files.createFile(repo.checkpointsDir().resolve(String.format("%016x.manifest", 0x1000L + i)));
        Files.createDirectory(repo.checkpointsDir().resolve("00000000000000ff.manifest"));

        assertTrue(repo.contains(id));
        long worst = 0;
        for (int round = 0; round < 5; round++) {
            long before = THREADS.getThreadAllocatedBytes(Thread.currentThread().getId());
            repo.contains(id);
            worst = Math.max(worst, THREADS.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
        }
        assertTrue(worst < 16_384, "contains allocated " + worst + " bytes with 2,001 manifests");
        assertFalse(repo.contains("00000000000000ff"), "a directory is not a manifest");
        assertFalse(repo.contains("0123456789abcdef"), "no such checkpoint");
        assertFalse(repo.contains("not-an-id"));
        assertFalse(repo.contains(id.substring(0, 8)), "a prefix is not the id");
    }
}
