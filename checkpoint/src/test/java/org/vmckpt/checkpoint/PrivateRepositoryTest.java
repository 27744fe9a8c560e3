package org.vmckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

/** Issue 8, item 4: a checkpoint holds the guest's memory; no other user may read any of it. */
class PrivateRepositoryTest {
    @TempDir
    Path dir;

    @Test
    void everyDirectoryIs0700AndEveryFile0600() throws Exception {
        Path root = dir.resolve("a").resolve("repo"); // a missing parent is created private too
        Repository repo = Repository.open(root, true);
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(200_000);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.checkpoint(CheckpointOptions.defaults(), null);
        engine.checkpoint(CheckpointOptions.defaults().withIncremental(true), null);
        List<Path> all;
        try (Stream<Path> s = Files.walk(dir.resolve("a"))) {
            all = s.collect(Collectors.toList());
        }
        assertTrue(all.stream().anyMatch(p -> p.toString().endsWith(".manifest")), "a manifest was written: " + all);
        for (Path p : all) {
            String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
            assertEquals(want, PosixFilePermissions.toString(Files.getPosixFilePermissions(p)), p.toString());
        }
    }

    @Test
    void anOpenRepositoryMadeWorldReadableBeforeIsClosedToOthers() throws Exception {
        Path root = dir.resolve("old");
        Repository.open(root, true);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        Repository.open(root, false);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root)));
    }
}
