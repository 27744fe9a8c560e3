package org.vmckpt.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The start-up line of --stats: each reached step's time since the previous reached one, only for a booted VM. */
class StartupTimesTest {
    @BeforeEach
    @AfterEach
    void clear() { // (a session run in this JVM by another test left its stamps)
        for (int i = 0; i < StartupTimes.STEPS.length; i++) StartupTimes.set(i, 0);
    }

    @Test
    void stepsAreTimedFromThePreviousReachedStep() {
        StartupTimes.set(StartupTimes.MAIN, 1_000_000_000L);
        StartupTimes.set(StartupTimes.OPTIONS, 1_010_000_000L);
        StartupTimes.set(StartupTimes.MACHINE, 1_030_000_000L);
        StartupTimes.set(StartupTimes.BOOT_FILES, 1_090_000_000L);
        // no engine stamp: the control socket's time runs from the boot files
        StartupTimes.set(StartupTimes.CONTROL, 1_100_000_000L);
        StartupTimes.set(StartupTimes.FIRST_INSTRUCTION, 1_101_000_000L);
        assertEquals("JVM 250 ms, options 10 ms, machine 20 ms, boot files 60 ms, control socket 10 ms, first instruction 1 ms",
                StartupTimes.describe(250));
        assertEquals(101.0, StartupTimes.mainToFirstInstructionMillis(), 1e-9);
    }

    @Test
    void aVmNotBootedHereHasNoStartUpLine() {
        StartupTimes.set(StartupTimes.MAIN, 1_000_000_000L);
        StartupTimes.set(StartupTimes.ENGINE, 1_500_000_000L);
        StartupTimes.set(StartupTimes.FIRST_INSTRUCTION, 1_600_000_000L);
        assertEquals(0.0, StartupTimes.mainToFirstInstructionMillis());
    }
}
