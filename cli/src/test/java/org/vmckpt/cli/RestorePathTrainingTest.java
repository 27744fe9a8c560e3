package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The class-data-sharing training's restore exercise (part of {@code vmckpt cds-train}, run by ./build): it boots,
 * checkpoints and restores its throwaway machine eagerly and lazily to the checkpointed state (it throws otherwise),
 * and leaves nothing behind.
 */
class RestorePathTrainingTest {
    @TempDir
    Path temp;

    @Test
    void checkpointsAndRestoresItsMachineAndDeletesItsFiles() throws Exception {
        RestorePathTraining.run(temp);
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(0, left.count(), "the training's directory must be deleted");
        }
    }
}
