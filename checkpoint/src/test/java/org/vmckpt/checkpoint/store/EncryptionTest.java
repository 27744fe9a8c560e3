package org.vmckpt.checkpoint.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, encryption at rest: packs and manifests sealed with AES-256-GCM under a key that is never stored;
 * readable with the key, refused by name without it or with a wrong one; the ciphertext's integrity checkable
 * without the key; checkpoints written before encryption stay readable.
 */
class EncryptionTest {
    @TempDir
    Path dir;

    private RepositoryKey key(String name, int seed) throws IOException {
        byte[] k = new byte[32];
        new java.util.Random(seed).nextBytes(k);
        Path f = dir.resolve(name);
        Files.write(f, k);
        return RepositoryKey.fromFile(f);
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void encryptedCheckpointsReadBackOnlyWithTheirKey() throws Exception {
        Path root = dir.resolve("repo");
        Repository plain = Repository.openWithKey(root, true, null);
        String before = RoundTripTest.writeFull(plain, Codec.NONE); // written before encryption: stays readable
        RepositoryKey key = key("key", 1);
        Repository repo = Repository.openWithKey(root, false, key);
        repo.enableEncryption(key);
        String id = RoundTripTest.writeFull(repo, Codec.NONE);

        // Nothing of a page or of the label is in any file written after encryption was enabled.
        byte[] page = java.util.Arrays.copyOf(TestPages.page(3), 64);
        Path manifest = repo.manifestPath(id);
        assertFalse(contains(Files.readAllBytes(manifest), "base".getBytes()), "the label is not in the manifest in the clear");
        try (Checkpoint c = repo.open(id)) {
            for (Manifest.PackRef p : repo.readManifest(id).packs()) {
                byte[] pack = Files.readAllBytes(repo.packPath(p.id()));
                try (Checkpoint old = repo.open(before)) {
                    if (old.info() != null && repo.readManifest(before).packs().stream().anyMatch(q -> q.id().equals(p.id()))) continue;
                }
                assertFalse(contains(pack, page), "page data in the clear in pack " + p.id());
            }
            byte[] got = new byte[4096];
            assertEquals(PageKind.DATA, c.readPage(3, got));
            assertArrayEquals(TestPages.page(3), got);
            assertEquals(List.of(), c.verify(ProgressListener.NONE).problems(), "with the key everything verifies");
        }
        try (Checkpoint c = repo.open(before)) {
            byte[] got = new byte[4096];
            c.readPage(3, got);
            assertArrayEquals(TestPages.page(3), got, "a checkpoint from before encryption reads as before");
        }

        // Without the key: the encrypted manifest is refused by name, the plain one still reads, the ciphertext verifies.
        Repository nokey = Repository.openWithKey(root, false, null);
        assertTrue(nokey.encrypted() && !nokey.hasKey());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> nokey.open(id));
        assertTrue(e.getMessage().contains("encrypted") && e.getMessage().contains(RepositoryKey.ENV_FILE), e.getMessage());
        try (Checkpoint c = nokey.open(before)) {
            assertEquals(before, c.id());
        }
        IOException w = assertThrows(IOException.class, () -> RoundTripTest.writeFull(nokey, Codec.NONE));
        assertTrue(w.getMessage().contains("is encrypted"), w.getMessage());
        assertEquals(List.of(), nokey.verifyCiphertext(ProgressListener.NONE).problems());

        // A wrong key is refused by name before anything is decrypted.
        RepositoryKey wrong = key("wrong", 2);
        IOException k = assertThrows(IOException.class, () -> Repository.openWithKey(root, false, wrong));
        assertTrue(k.getMessage().contains(wrong.source()) && k.getMessage().contains("is not the key of repository"), k.getMessage());

        // A flipped ciphertext byte: found without the key (CRC) and refused with it.
        Path pack = repo.packPath(repo.readManifest(id).packs().get(repo.readManifest(id).packs().size() - 1).id());
        byte[] b = Files.readAllBytes(pack);
        b[PackFormat.HEADER_LENGTH + PackFormat.FRAME_HEADER_LENGTH + 40] ^= 1;
        Files.write(pack, b);
        assertFalse(nokey.verifyCiphertext(ProgressListener.NONE).problems().isEmpty());
        try (Checkpoint c = repo.open(id)) {
            assertFalse(c.verify(ProgressListener.NONE).problems().isEmpty());
        }
    }

    @Test
    void aFrameWithItsCrcRecomputedStillFailsAuthentication() throws Exception {
        RepositoryKey key = key("key", 3);
        Repository repo = Repository.openWithKey(dir.resolve("r"), true, key);
        repo.enableEncryption(key);
        String id = RoundTripTest.writeFull(repo, Codec.ZSTD);
        Path pack = repo.packPath(repo.readManifest(id).packs().get(0).id());
        byte[] b = Files.readAllBytes(pack);
        int at = PackFormat.HEADER_LENGTH;
        int stored = (b[at + 8] & 0xff) | (b[at + 9] & 0xff) << 8 | (b[at + 10] & 0xff) << 16 | (b[at + 11] & 0xff) << 24;
        b[at + PackFormat.FRAME_HEADER_LENGTH + 20] ^= 1;
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(b, at, 12);
        crc.update(b, at + PackFormat.FRAME_HEADER_LENGTH, stored);
        for (int i = 0; i < 4; i++) b[at + 12 + i] = (byte) (crc.getValue() >>> (8 * i));
        Files.write(pack, b);
        assertEquals(List.of(), repo.verifyCiphertext(ProgressListener.NONE).problems(), "the CRC matches: only the key can tell");
        try (Checkpoint c = repo.open(id)) {
            List<String> problems = c.verify(ProgressListener.NONE).problems();
            assertTrue(problems.stream().anyMatch(p -> p.contains("fails authentication")), problems.toString());
        }
    }

    @Test
    void aKeyFileMustHoldAKey() throws Exception {
        Path f = dir.resolve("short");
        Files.writeString(f, "not a key");
        IOException e = assertThrows(IOException.class, () -> RepositoryKey.fromFile(f));
        assertTrue(e.getMessage().contains("32 bytes, or 64 hex digits"), e.getMessage());
        Path hex = dir.resolve("hex");
        Files.writeString(hex, "00".repeat(32) + "\n");
        assertEquals(32, RepositoryKey.fromFile(hex).id().length());
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.count() >= 2);
        }
    }
}
