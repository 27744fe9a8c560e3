package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.memory.SparePages;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * How a capture's frozen view ends (round 65): a plain release happens on the run thread, whoever asks for it (the
 * origins moved aside for the view are the run thread's to write and to empty), and an aborted live checkpoint hands
 * back to copy-on-write's spares the arrays its copies replaced, as a committed one does.
 */
class CaptureReleaseTest {
    @TempDir
    Path dir;

    @Test
    void aReleaseFromAnotherThreadEndsCopyOnWriteOnTheRunThread() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Thread run = new Thread(() -> m.run(-1));
        run.start();
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch free = new CountDownLatch(1);
        try {
            MachineCapture c = m.callAtInstructionBoundary(() -> MachineCapture.take(m));
            assertTrue(m.memory().isFrozen());
            // The run thread is held inside a task: no instruction boundary until it is let go.
            m.submit(() -> {
                busy.countDown();
                try {
                    free.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(busy.await(10, TimeUnit.SECONDS));
            Thread releaser = new Thread(c::release);
            releaser.start();
            releaser.join(300);
            assertTrue(releaser.isAlive(), "the release waits for the run thread");
            assertTrue(m.memory().isFrozen(), "nothing unfroze memory off the run thread");
            free.countDown();
            releaser.join(10_000);
            assertFalse(releaser.isAlive());
            assertFalse(m.memory().isFrozen(), "released at the run thread's next boundary");

            // Interrupted while it waits, the release is handed to the run thread, which does it when free.
            CountDownLatch busy2 = new CountDownLatch(1);
            CountDownLatch free2 = new CountDownLatch(1);
            MachineCapture c2 = m.callAtInstructionBoundary(() -> MachineCapture.take(m));
            m.submit(() -> {
                busy2.countDown();
                try {
                    free2.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(busy2.await(10, TimeUnit.SECONDS));
            Thread releaser2 = new Thread(c2::release);
            releaser2.start();
            Thread.sleep(100);
            releaser2.interrupt();
            releaser2.join(10_000);
            assertFalse(releaser2.isAlive(), "an interrupted release returns");
            assertTrue(m.memory().isFrozen(), "still frozen while the run thread is busy");
            free2.countDown();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (m.memory().isFrozen() && System.nanoTime() < deadline) Thread.sleep(5);
            assertFalse(m.memory().isFrozen(), "the run thread completed the handed-off release");
        } finally {
            free.countDown();
            m.requestExit(0);
            run.join(10_000);
        }
    }

    @Test
    void anAbortedLiveCheckpointGivesBackTheSparesItsCopiesTook() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        SparePages spares = m.memory().spares();
        spares.setRecycling(true);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        Thread run = new Thread(() -> m.run(-1));
        run.start();
        long took;
        long gaveBack;
        try {
            Thread.sleep(300);
            CheckpointEngine engine = new CheckpointEngine(m, repo, null);
            for (int k = 0; k < 3; k++) {
                engine.checkpoint(CheckpointOptions.defaults().withIncremental(k > 0), null);
                Thread.sleep(30);
            }
            assertTrue(spares.size() > 0, "committed checkpoints left spares: " + spares.size());
            long takenBefore = spares.taken();
            long recycledBefore = spares.recycled();
            // Fails once every page is put, after the guest ran (and copied frozen pages) for a while.
            ProgressListener failing = (phase, done, total) -> {
                if (phase.equals("pages") && done == total) {
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("injected failure");
                }
            };
            Exception e = assertThrows(Exception.class,
                    () -> engine.checkpoint(CheckpointOptions.defaults().withIncremental(true), failing));
            assertTrue(String.valueOf(e.getMessage()).contains("injected"), String.valueOf(e));
            assertFalse(m.memory().isFrozen(), "the aborted checkpoint's view is released");
            took = spares.taken() - takenBefore;
            gaveBack = spares.recycled() - recycledBefore;
            // And the next checkpoint commits as usual.
            engine.checkpoint(CheckpointOptions.defaults().withIncremental(true), null);
        } finally {
            m.requestExit(0);
            run.join(10_000);
        }
        assertTrue(took > 0, "the aborted checkpoint's copies took spares: " + took);
        assertTrue(gaveBack >= took, "the arrays they replaced went back: " + gaveBack + " of " + took);
    }
}
