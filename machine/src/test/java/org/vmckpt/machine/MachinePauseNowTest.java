package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Machine#pauseNow}: a task at an instruction boundary pauses the machine and its clock at once (a live
 * migration's switch-over captures the state right after), and a resume that comes before the run loop's next turn
 * (a migration that failed or was cancelled at once) resumes the clock too. Stopping the clock alone there (the first
 * version) left the run state RUNNING with the clock frozen, and the guest's time stood still for good
 * (MigrationTest's cancel test: "the source retires instructions again" failed).
 */
class MachinePauseNowTest {
    @Test
    void aResumeBeforeTheLoopsNextTurnResumesTheClockToo() throws Exception {
        Machine m = new Machine(DeterminismTest.elfConfig(), new ByteArrayOutputStream()::write);
        m.boot();
        long[] frozen = new long[2];
        m.whenStarted(() -> {
            m.pauseNow();
            frozen[0] = m.clock().mtime();
            frozen[1] = m.clock().mtime();
            m.requestResume();
        });
        m.run(20_000);
        assertEquals(frozen[0], frozen[1], "paused: the clock stood still at once");
        long ran = m.clock().mtime() - frozen[0];
        // Deterministic: 10 instructions a tick, so about 2,000 ticks for the run less the batch before the pause.
        assertTrue(ran > 0, "the clock runs again after the resume: " + ran + " ticks");
        assertEquals(Machine.RunState.PAUSED, m.runState(), "run() returned: its loop stopped the machine");
    }
}
