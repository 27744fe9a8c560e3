package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A paused clock hides the time it stood still, except a live migration's switch-over (host mode): the resume after
 * {@link MachineClock#leapOnResume} counts the host time since the source paused the guest, so the guest's clock does
 * not fall behind by the migration's pause. Deterministic clocks and pauses the user asked for never leap.
 */
class MachineClockLeapTest {
    private static final long MS = 1_000_000L;
    /** mtime ticks per millisecond (10 MHz). */
    private static final long TICKS_PER_MS = 10_000;

    @Test
    void aSwitchOverPauseIsCountedInHostMode() throws Exception {
        MachineClock c = new MachineClock(false, () -> 0);
        c.resume();
        Thread.sleep(5);
        c.pause();
        long frozen = c.mtime();
        long pausedAt = System.nanoTime() - 40 * MS; // the source paused the guest 40 ms ago
        Thread.sleep(10);
        assertEquals(frozen, c.mtime(), "paused: time stands still");
        c.leapOnResume(pausedAt);
        c.resume();
        long after = c.mtime();
        assertTrue(after - frozen >= 50 * TICKS_PER_MS, "the 40 ms before and 10 ms here were counted: " + (after - frozen));
        assertTrue(after - frozen < 5_000 * TICKS_PER_MS, String.valueOf(after - frozen));
        // Once only: a later pause hides its time again.
        c.pause();
        long again = c.mtime();
        Thread.sleep(10);
        c.resume();
        assertTrue(c.mtime() - again < 10 * TICKS_PER_MS, String.valueOf(c.mtime() - again));
    }

    @Test
    void withoutALeapOrAfterAUserPauseTheTimeStaysHidden() throws Exception {
        MachineClock c = new MachineClock(false, () -> 0);
        c.resume();
        c.pause();
        long frozen = c.mtime();
        Thread.sleep(30);
        c.resume();
        assertTrue(c.mtime() - frozen < 25 * TICKS_PER_MS, "an ordinary pause is invisible: " + (c.mtime() - frozen));
        c.pause();
        frozen = c.mtime();
        c.leapOnResume(System.nanoTime() - 1_000 * MS);
        c.dropPendingLeap(); // the destination was started paused: the user's pause hides everything
        c.resume();
        assertTrue(c.mtime() - frozen < 25 * TICKS_PER_MS, String.valueOf(c.mtime() - frozen));
    }

    @Test
    void aDeterministicClockNeverLeaps() {
        long[] retired = {1_000};
        MachineClock c = new MachineClock(true, () -> retired[0]);
        c.resume();
        c.pause();
        long frozen = c.mtime();
        c.leapOnResume(System.nanoTime() - 1_000 * MS);
        c.resume();
        assertEquals(frozen, c.mtime());
    }
}
