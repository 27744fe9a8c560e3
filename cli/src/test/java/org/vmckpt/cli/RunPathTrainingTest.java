package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The class-data-sharing training's run exercise (part of {@code vmckpt cds-train}, run by ./build): `vmckpt run` boots
 * its throwaway guest and runs it to the instruction limit (exit status 3, not a usage or boot error), and leaves
 * nothing behind.
 */
class RunPathTrainingTest {
    @TempDir
    Path temp;

    @Test
    void runsTheRunCommandToItsInstructionLimitAndDeletesItsFiles() throws Exception {
        assertEquals(3, RunPathTraining.run(temp));
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(0, left.count(), "the training's directory must be deleted");
        }
    }
}
