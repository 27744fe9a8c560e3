package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.Machine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A thread started ahead of time runs the task it is handed, on itself, once; a released one ends without running. */
@Timeout(30)
class StandbyThreadTest {
    @Test
    void runsTheTaskItIsHandedOnTheThreadStartedBefore() throws Exception {
        StandbyThread standby = new StandbyThread("standby-test", Thread.NORM_PRIORITY);
        assertTrue(standby.thread().isAlive(), "started before it has work");
        CompletableFuture<Thread> ranOn = new CompletableFuture<>();
        standby.run(() -> ranOn.complete(Thread.currentThread()));
        standby.run(() -> ranOn.complete(null)); // a second task is ignored
        assertEquals(standby.thread(), ranOn.get(10, TimeUnit.SECONDS));
        standby.thread().join(10_000);
        assertFalse(standby.thread().isAlive());
    }

    @Test
    void aReleasedThreadEndsWithoutRunningAnything() throws Exception {
        StandbyThread standby = new StandbyThread("standby-test", Thread.NORM_PRIORITY);
        standby.release();
        boolean[] ran = new boolean[1];
        standby.run(() -> ran[0] = true);
        standby.thread().join(10_000);
        assertFalse(standby.thread().isAlive());
        assertFalse(ran[0]);
    }

    @Test
    void aTaskForWhenTheGuestStartsWaitsForItsFirstRun() throws Exception {
        Machine m = new Machine(MigrationTest.memwalkConfig(32L << 20), b -> { });
        m.boot();
        StandbyThread standby = new StandbyThread("standby-test", Thread.NORM_PRIORITY);
        CompletableFuture<Long> ranAt = new CompletableFuture<>();
        standby.runWhenStarted(m, () -> ranAt.complete(m.hart(0).instret));
        Thread.sleep(50);
        assertFalse(ranAt.isDone(), "not before the machine runs");
        m.run(100_000);
        standby.thread().join(10_000);
        assertTrue(ranAt.isDone(), "handed over once the guest ran");
    }
}
