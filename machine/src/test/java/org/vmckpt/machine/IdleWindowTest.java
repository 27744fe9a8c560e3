package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The idle-window rule ({@link IdleWindow}) on a made-up clock: host work that waits for it does not start at a
 * boot's first short waits for a timer (as the saver's warm-up did in round 60, slowing the CPU benchmark's boot), nor
 * ever for a guest busy most of the time, and starts once the guest has waited for interrupts for most of a window.
 */
class IdleWindowTest {
    private static final long MS = 1_000_000L;

    /** A guest whose wait for interrupts and the wall clock advance by hand; sampled every 50 ms as the callers do. */
    private static final class Guest {
        long now = 123 * MS;
        long waited;
        final IdleWindow rule = new IdleWindow(() -> waited, () -> now, 1000 * MS, 0.5);

        /** {@code ms} of wall time of which the guest waited {@code idleMs}; whether the rule held at any sample in it. */
        boolean run(long ms, long idleMs) {
            boolean held = false;
            for (long t = 0; t < ms; t += 50) {
                now += 50 * MS;
                waited += idleMs * 50 * MS / ms;
                held |= rule.idleNow();
            }
            return held;
        }
    }

    @Test
    void aBootsShortWaitsDoNotCount() {
        Guest g = new Guest();
        // A boot: busy, with a 10 ms wait for a timer every 100 ms (10 % idle; the first idle comes at once).
        assertFalse(g.run(5000, 500), "a guest 10 % idle is not idle for a while");
        // One idle burst shorter than half a window in the middle of busy seconds.
        assertFalse(g.run(400, 400), "0.4 s idle alone is not idle for a while");
        assertFalse(g.run(3000, 0), "busy again");
    }

    @Test
    void aGuestBusyMostOfTheTimeNeverCounts() {
        Guest g = new Guest();
        assertFalse(g.run(30_000, 30_000 * 45 / 100), "45 % idle over 30 s");
    }

    @Test
    void aGuestIdleForMostOfAWindowCounts() {
        Guest g = new Guest();
        assertFalse(g.run(3000, 0), "busy boot");
        assertFalse(g.run(400, 280), "70 % idle, less than a window of it");
        assertTrue(g.run(1000, 700), "70 % idle for a window and more");
    }

    @Test
    void notBeforeAWholeWindowWasSeen() {
        Guest g = new Guest();
        assertFalse(g.run(900, 900), "wholly idle, but for less than a window since the first sample");
        assertTrue(g.run(200, 200), "a window seen");
    }

    @Test
    void samplesCloserThanTheRecordingStepStillLookBackAWholeWindow() {
        IdleWindow rule;
        long[] now = {0};
        long[] waited = {0};
        rule = new IdleWindow(() -> waited[0], () -> now[0], 1000 * MS, 0.5);
        // Sampled every millisecond: busy for 2 s, then idle for 0.4 s: over the last second only 40 % idle.
        boolean held = false;
        for (int i = 0; i < 2000; i++) { now[0] += MS; held |= rule.idleNow(); }
        for (int i = 0; i < 400; i++) { now[0] += MS; waited[0] += MS; held |= rule.idleNow(); }
        assertFalse(held, "0.4 s of idle after a busy stretch, sampled densely");
        for (int i = 0; i < 200; i++) { now[0] += MS; waited[0] += MS; held |= rule.idleNow(); }
        assertTrue(held, "0.6 s idle of the last second");
    }

    /** The machine's count the rule reads: a guest that waits in wfi adds to it (deterministic: guest time skipped); one that never waits does not. */
    @Test
    void theMachineCountsTheGuestsWaits() throws Exception {
        MachineConfig loop = new MachineConfig(16 << 20, null, null, "", null, EngineRun.elf("timerloop.elf"), List.of(), false, false, true);
        Machine waits = new Machine(loop, new ByteArrayOutputStream()::write);
        waits.boot();
        Machine busy = new Machine(DeterminismTest.elfConfig(), new ByteArrayOutputStream()::write);
        busy.boot();
        try {
            assertEquals(0, waits.waitedNanos());
            waits.run(2_000_000);
            assertTrue(waits.waitedNanos() > 0, "the timer loop waited for its timer");
            busy.run(50_000);
            assertEquals(0, busy.waitedNanos(), "the self test never waits for an interrupt");
        } finally {
            waits.virtio().close();
            busy.virtio().close();
        }
    }
}
