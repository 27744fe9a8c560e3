package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The repository's {@code LARGEST-RAM} file (round 71), the launcher's hint for sizing a restore's heap with
 * {@code VMCKPT_HEAP=fit}: every commit leaves in it the largest RAM, in MiB rounded up, of any checkpoint committed to
 * the repository; a smaller checkpoint never lowers it, a larger one raises it, whichever process (here: another
 * {@link Repository} object) committed before; a damaged file is written again; an encrypted repository keeps none, and
 * {@code -Dvmckpt.repo.largestRam=false} writes none.
 */
class LargestRamTest {
    @TempDir
    Path dir;

    private static void commit(Repository repo, int pages) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta(null, pages), null)) {
            for (int i = 0; i < Math.min(pages, 8); i++) w.putPage(i, TestPages.page(i + pages));
            w.commit(ProgressListener.NONE);
        }
    }

    private String largest() throws IOException {
        return Files.readString(dir.resolve(Repository.LARGEST_RAM_FILE));
    }

    @Test
    void everyCommitLeavesTheLargestRamOfTheRepositorysCheckpoints() throws IOException {
        Repository repo = Repository.open(dir, true);
        assertFalse(Files.exists(dir.resolve(Repository.LARGEST_RAM_FILE)), "no checkpoint yet: no file");
        commit(repo, 512); // 2 MiB
        assertEquals("2\n", largest());
        commit(repo, 16); // 64 KiB: rounded up to 1 MiB, less than 2
        assertEquals("2\n", largest(), "a smaller checkpoint does not lower it");
        commit(repo, 1024 + 1); // 4 MiB and a page: 5 MiB rounded up
        assertEquals("5\n", largest());
        assertEquals(5, Repository.readLargestRam(dir.resolve(Repository.LARGEST_RAM_FILE)));

        // Another process raised it meanwhile: this one's next commit, of less, leaves it.
        Files.writeString(dir.resolve(Repository.LARGEST_RAM_FILE), "4096\n");
        Repository other = Repository.open(dir, false);
        commit(other, 2048);
        assertEquals("4096\n", largest(), "a file that says more is left as it is");
        // Damaged: written again at the next commit that reads it.
        Files.writeString(dir.resolve(Repository.LARGEST_RAM_FILE), "1.5G\n");
        assertEquals(-1, Repository.readLargestRam(dir.resolve(Repository.LARGEST_RAM_FILE)));
        commit(Repository.open(dir, false), 768);
        assertEquals("3\n", largest(), "a damaged file is replaced");
        // Every checkpoint is still there and restorable as before: the file is not part of the repository's format.
        assertEquals(5, repo.list().size());
        for (CheckpointInfo i : repo.list()) {
            try (Checkpoint c = repo.open(i.id())) {
                VerifyReport v = c.verify(ProgressListener.NONE);
                assertTrue(v.ok(), i.id() + ": " + v);
            }
        }
    }

    @Test
    void anEncryptedRepositoryOrTheSwitchOffWritesNone() throws IOException {
        byte[] k = new byte[32];
        new java.util.Random(7).nextBytes(k);
        Path keyFile = Files.write(dir.resolve("key"), k);
        RepositoryKey key = RepositoryKey.fromFile(keyFile);
        Path encrypted = dir.resolve("enc");
        Repository repo = Repository.openWithKey(encrypted, true, key);
        repo.enableEncryption(key);
        commit(repo, 512);
        assertFalse(Files.exists(encrypted.resolve(Repository.LARGEST_RAM_FILE)), "an encrypted repository keeps no size in clear");

        Path plain = dir.resolve("plain");
        String before = System.getProperty("vmckpt.repo.largestRam");
        System.setProperty("vmckpt.repo.largestRam", "false");
        try {
            commit(Repository.open(plain, true), 512);
        } finally {
            if (before == null) System.clearProperty("vmckpt.repo.largestRam");
            else System.setProperty("vmckpt.repo.largestRam", before);
        }
        assertFalse(Files.exists(plain.resolve(Repository.LARGEST_RAM_FILE)), "-Dvmckpt.repo.largestRam=false: none");
    }
}
