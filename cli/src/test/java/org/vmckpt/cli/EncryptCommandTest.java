package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.RepositoryKey;

/** Issue 8, encryption at rest from the command line: config --encrypt, then ls and verify without the key. */
class EncryptCommandTest {
    @TempDir
    Path dir;

    @Test
    void configEncryptsAndCommandsWithoutTheKeySayWhatTheyCanDo() throws Exception {
        Path repoDir = dir.resolve("repo");
        Path keyFile = dir.resolve("key");
        Files.writeString(keyFile, "ab".repeat(32) + "\n");
        assertEquals(0, ConfigCommand.run(new String[]{"config", "--repo", repoDir.toString(), "--encrypt", "--key-file", keyFile.toString()}));
        UsageException u = assertThrows(UsageException.class, () -> ConfigCommand.run(new String[]{"config", "--repo", repoDir.toString(), "--encrypt"}));
        assertTrue(u.getMessage().contains("--encrypt needs --key-file"), u.getMessage());

        Repository withKey = Repository.openWithKey(repoDir, false, RepositoryKey.fromFile(keyFile));
        try (CheckpointWriter w = withKey.begin(new CheckpointMeta("secret-label", CaptureMode.STOP, 4, Map.of("memory", "16384", "harts", "1")),
                Codec.ZSTD, 1, null)) {
            for (int i = 0; i < 4; i++) w.putPage(i, new byte[4096]);
            w.commit(ProgressListener.NONE);
        }
        assertTrue(Files.readString(repoDir.resolve("KEY-ID")).strip().matches("[0-9a-f]{32}"), "only the key's id is stored");

        CapturedOutput ls = new CapturedOutput();
        assertEquals(0, LsCommand.run(new String[]{"ls", "--repo", repoDir.toString()}, ls.io()));
        assertTrue(ls.out().contains("is encrypted: give the repository's key (VMCKPT_KEY_FILE=FILE)") && !ls.out().contains("secret-label"), ls.out());

        CapturedOutput verify = new CapturedOutput();
        assertEquals(0, VerifyCommand.run(new String[]{"verify", "--all", "--repo", repoDir.toString()}, verify.io()));
        assertTrue(verify.out().contains("ok       encrypted repository, no key") && verify.out().contains("1 packs"), verify.out());
    }
}
