package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Files from a newer vmckpt, or of the wrong kind, are refused with a message that says so. */
class FormatVersionTest {
    @TempDir
    Path dir;

    private String writeOne(Repository repo) throws IOException {
        try (CheckpointWriter w = repo.begin(TestPages.meta("v", 8), null)) {
            for (int i = 0; i < 8; i++) w.putPage(i, TestPages.page(i));
            return w.commit(ProgressListener.NONE);
        }
    }

    @Test
    void aManifestFromANewerVersionIsRefusedClearly() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeOne(repo);
        Path m = repo.manifestPath(id);
        byte[] b = Files.readAllBytes(m);
        assertEquals(ManifestCodec.PLAIN_VERSION, b[CraftedFiles.versionAt(ManifestCodec.NAME)], "a plain repository still writes version 1");
        CraftedFiles.rewriteVersion(m, ManifestCodec.NAME, ManifestCodec.VERSION + 1);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().startsWith(m.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("newer vmckpt") && e.getMessage().contains("format version " + (ManifestCodec.VERSION + 1))
                && e.getMessage().contains("reads versions 1 to " + ManifestCodec.VERSION), e.getMessage());
        assertEquals(id, repo.listUnreadable().keySet().iterator().next());
    }

    @Test
    void versionZeroIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeOne(repo);
        CraftedFiles.rewriteVersion(repo.manifestPath(id), ManifestCodec.NAME, 0);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("version 0 is not supported"), e.getMessage());
    }

    @Test
    void aPackFromANewerVersionIsRefusedClearly() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeOne(repo);
        Path pack = repo.packPath(repo.packIds().get(0));
        byte[] b = Files.readAllBytes(pack);
        CraftedFiles.setVersion(b, PackFormat.NAME, 7);
        Files.write(pack, b);
        try (Checkpoint c = repo.open(id)) {
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> c.readPage(0, new byte[4096]));
            assertTrue(e.getMessage().contains(pack.getFileName().toString()) && e.getMessage().contains("vmckpt-pack format version 7"),
                    e.getMessage());
        }
    }

    @Test
    void aRepositoryFromANewerVersionIsRefusedClearly() throws IOException {
        Repository.open(dir, true);
        Path repoFile = dir.resolve("REPO");
        CraftedFiles.rewriteVersion(repoFile, Repository.FORMAT_NAME, 3);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Repository.open(dir, false));
        assertTrue(e.getMessage().contains("vmckpt-repo format version 3") && e.getMessage().contains("newer vmckpt"), e.getMessage());
    }

    @Test
    void aFileOfAnotherKindIsNamedForWhatItIs() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeOne(repo);
        Files.copy(repo.packPath(repo.packIds().get(0)), repo.manifestPath(id), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open(id));
        assertTrue(e.getMessage().contains("is a 'vmckpt-pack' file, expected 'vmckpt-manifest'"), e.getMessage());
    }

    @Test
    void aManifestUnderAnotherIdIsRefused() throws IOException {
        Repository repo = Repository.open(dir, true);
        String id = writeOne(repo);
        Files.move(repo.manifestPath(id), repo.manifestPath("ffffffffffffffff"));
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> repo.open("ffffffffffffffff"));
        assertTrue(e.getMessage().contains("belongs to checkpoint " + id), e.getMessage());
    }

    @Test
    void openingWithoutCreateNeedsARepository() throws IOException {
        assertThrows(NoSuchFileException.class, () -> Repository.open(dir.resolve("none"), false));
        Files.writeString(dir.resolve("unrelated.txt"), "hello");
        IOException e = assertThrows(IOException.class, () -> Repository.open(dir, true));
        assertTrue(e.getMessage().contains("not empty and not a vmckpt repository"), e.getMessage());
    }
}
