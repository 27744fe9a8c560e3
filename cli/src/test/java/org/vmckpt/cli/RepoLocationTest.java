package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Repository;

class RepoLocationTest {
    @TempDir
    Path dir;

    private static Args args(String... argv) throws UsageException {
        return Args.parse(argv, 0, Set.of(RepoLocation.OPTION), Set.of());
    }

    @Test
    void optionBeatsEnvironmentBeatsDefault() throws Exception {
        Map<String, String> env = Map.of(RepoLocation.ENV, "/from/env");
        assertEquals(Path.of("/from/option"), RepoLocation.resolve(args("--repo", "/from/option"), env));
        assertEquals(Path.of("/from/env"), RepoLocation.resolve(args(), env));
        assertEquals(Repository.defaultLocation(), RepoLocation.resolve(args(), Map.of()));
        assertEquals(Repository.defaultLocation(), RepoLocation.resolve(args(), Map.of(RepoLocation.ENV, "")));
    }

    @Test
    void openExistingNeverCreatesARepository() throws Exception {
        Path missing = dir.resolve("nothing");
        CommandFailedException e = assertThrows(CommandFailedException.class, () -> RepoLocation.openExisting(missing));
        assertTrue(e.getMessage().startsWith("no checkpoint repository at " + missing), e.getMessage());
        assertTrue(Files.notExists(missing));

        Files.writeString(dir.resolve("some-file"), "x");
        e = assertThrows(CommandFailedException.class, () -> RepoLocation.openExisting(dir));
        assertTrue(e.getMessage().startsWith(dir + " is not a checkpoint repository"), e.getMessage());

        Repository.open(dir.resolve("repo"), true);
        assertEquals(dir.resolve("repo").toRealPath(), RepoLocation.openExisting(dir.resolve("repo")).dir());
    }
}
