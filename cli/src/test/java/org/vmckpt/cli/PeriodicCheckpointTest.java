package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.CheckpointKind;
import org.vmckpt.checkpoint.store.Repository;

import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** `vmckpt run --checkpoint-every`: periodic live checkpoints, the first full, the rest incremental on the previous one. */
class PeriodicCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void runTakesPeriodicIncrementalCheckpoints() throws Exception {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        Path repoDir = dir.resolve("repo");
        int status = Main.dispatch(new String[]{"run", "--elf", elf.toString(), "--mem", "32M", "--checkpoint-every", "100ms",
                "--max-instructions", "100000000", "--repo", repoDir.toString(), "--api-socket", dir.resolve("s").toString(),
                "--console", dir.resolve("console.txt").toString()});
        assertEquals(3, status, "--max-instructions ends the run with status 3");
        List<CheckpointInfo> list = Repository.open(repoDir, false).list().stream()
                .sorted(Comparator.comparing(CheckpointInfo::created)).toList();
        assertTrue(list.size() >= 2, "expected at least two periodic checkpoints, got " + list.size());
        assertEquals(CheckpointKind.FULL, list.get(0).kind());
        for (int i = 1; i < list.size(); i++) {
            assertEquals(CheckpointKind.INCREMENTAL, list.get(i).kind());
            assertEquals(list.get(i - 1).id(), list.get(i).parentId(), "each incremental checkpoint's parent is the previous one");
        }
    }
}
