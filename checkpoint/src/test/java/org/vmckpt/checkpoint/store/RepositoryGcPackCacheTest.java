package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link Repository#gc()} reads a manifest once per process (it remembers which packs each uses: committed manifests never
 * change), so `--keep-checkpoints`' collection after every periodic checkpoint does not decode every kept manifest every
 * second; what it deletes is still exactly the packs no remaining checkpoint uses, also when another process deleted
 * or added checkpoints meanwhile.
 */
class RepositoryGcPackCacheTest {
    private static String commit(Repository repo, String parent, int seed) throws Exception {
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, 4), Codec.NONE, 0, parent)) {
            w.putPage(seed % 4, TestPages.page(seed));
            return w.commit(ProgressListener.NONE);
        }
    }

    private static long packs(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir.resolve("packs"))) {
            return s.filter(p -> p.toString().endsWith(".pack")).count();
        }
    }

    @Test
    void aManifestIsReadOncePerProcess(@TempDir Path dir) throws Exception {
        Repository repo = Repository.open(dir, true);
        String a = commit(repo, null, 1);
        String b = commit(repo, null, 2);
        assertEquals(0, repo.gc().packsDeleted());
        // b's manifest damaged after this process committed it: the collection goes by what it remembers of b...
        Files.write(repo.manifestPath(b), new byte[]{1, 2, 3});
        assertEquals(0, repo.gc().packsDeleted(), "b's pack is still used (by what the writer published)");
        assertEquals(2, packs(dir));
        // ...while a process that never saw b cannot know its packs and refuses, as before.
        assertThrows(java.io.IOException.class, () -> Repository.open(dir, false).gc());
    }

    @Test
    void deletionsAndCommitsOfAnotherProcessAreSeen(@TempDir Path dir) throws Exception {
        Repository mine = Repository.open(dir, true);
        String a = commit(mine, null, 1);
        String b = commit(mine, null, 2);
        assertEquals(0, mine.gc().packsDeleted());
        Repository other = Repository.open(dir, false);
        other.delete(a);
        String c = commit(other, null, 3);
        assertEquals(1, mine.gc().packsDeleted(), "a's pack, which only a used, is freed");
        assertEquals(2, packs(dir), "b's and c's (read from c's manifest, committed elsewhere) are kept");
        mine.delete(b);
        mine.delete(c);
        assertEquals(2, mine.gc().packsDeleted());
    }
}
