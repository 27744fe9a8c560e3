package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Machine#callAtInstructionBoundary} with no run loop runs its task on the caller's thread: then no run loop may
 * start until the task is done, or the guest runs while the task captures it (round 67's host crash: a capture's
 * freeze emptied the hart's write TLB on the test's thread while the run thread, just started, stored through it).
 */
class BoundaryCallExclusionTest {
    private static Machine memwalk() throws Exception {
        MachineConfig config = new MachineConfig(32L << 20, null, null, "", null, EngineRun.elf("memwalk.elf"), List.of(), false, false, true);
        Machine m = new Machine(config, new ByteArrayOutputStream()::write);
        m.boot();
        return m;
    }

    @Test
    void aRunLoopStartedDuringATaskWithoutOneWaitsForIt() throws Exception {
        Machine m = memwalk();
        Thread run = new Thread(() -> m.run(-1), "boundary-test-run");
        try {
            long[] seen = m.callAtInstructionBoundary(() -> {
                long before = m.hart(0).instret;
                run.start(); // a run loop starts while this task, with no run loop, still runs
                Thread.sleep(300);
                return new long[] {before, m.hart(0).instret};
            });
            assertEquals(seen[0], seen[1], "no instruction ran while the task ran on the caller's thread");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (m.hart(0).instret == seen[1] && System.nanoTime() < deadline) Thread.sleep(5);
            assertTrue(m.hart(0).instret > seen[1], "the run loop went on once the task was done");
        } finally {
            m.requestExit(0);
            run.join(10_000);
            m.virtio().close();
        }
        assertFalse(run.isAlive());
    }

    @Test
    void aTaskRightAfterTheRunLoopStartsNeverRunsBesideIt() throws Exception {
        Machine m = memwalk();
        try {
            for (int k = 0; k < 100; k++) {
                Thread run = new Thread(() -> m.run(Machine.BATCH * 8L), "boundary-test-run-" + k);
                run.start();
                // Wherever it runs, the guest must not move while it does (it ran on the caller's thread beside the
                // starting run loop before the fix).
                long[] seen = m.callAtInstructionBoundary(() -> {
                    long before = m.hart(0).instret;
                    long until = System.nanoTime() + 1_000_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                    return new long[] {before, m.hart(0).instret};
                });
                assertEquals(seen[0], seen[1], "turn " + k + ": the guest ran during a boundary task");
                run.join(10_000);
                assertFalse(run.isAlive());
            }
        } finally {
            m.virtio().close();
        }
    }
}
