package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class RepositorySettingsTest {
    @TempDir
    Path dir;

    @Test
    void defaultsRoundTripAndErrors() throws Exception {
        Repository repo = Repository.open(dir.resolve("r"), true);
        assertEquals(RepositorySettings.defaults(), RepositorySettings.load(repo));
        new RepositorySettings(Codec.NONE, 0).save(repo);
        assertEquals(new RepositorySettings(Codec.NONE, 0), RepositorySettings.load(repo));
        new RepositorySettings(Codec.ZSTD, 5).save(repo);
        assertEquals(new RepositorySettings(Codec.ZSTD, 5), RepositorySettings.load(repo));
        assertThrows(IllegalArgumentException.class, () -> new RepositorySettings(Codec.ZSTD, 99));
        Files.writeString(repo.dir().resolve(RepositorySettings.FILE), "codec=lz77\nlevel=x\n");
        IOException e = assertThrows(IOException.class, () -> RepositorySettings.load(repo));
        assertTrue(e.getMessage().contains(RepositorySettings.FILE), e.getMessage());
        // The repository itself is unaffected by its settings file.
        assertTrue(repo.list().isEmpty());
        assertTrue(repo.gc() != null);
        assertTrue(Files.exists(repo.dir().resolve(RepositorySettings.FILE)));
    }
}
