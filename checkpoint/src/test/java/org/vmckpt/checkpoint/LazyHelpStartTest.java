package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round 85 (restore85): {@code -Dvmckpt.restore.lazyHelp} (a fault that waits for a loader thread reads the next free
 * frames of the write order meanwhile, {@link LazyPages#HELP}) and {@code -Dvmckpt.restore.lazyStart} (the DATA loader
 * raised to the guest's priority at the guest's first instruction, the thread that starts the prefetch at it from
 * {@link LazyPages#startPrefetch} on, {@link LazyPages#START}). The machine is the checkpoint's whatever order the
 * pages arrive in.
 */
class LazyHelpStartTest {
    @TempDir
    Path dir;

    @AfterEach
    void back() {
        LazyPages.helpForRestores = LazyPages.HELP;
        LazyPages.startForRestores = LazyPages.START;
        LazyPages.beforePrefetchArrives = null;
        Thread.currentThread().setPriority(Thread.NORM_PRIORITY);
    }

    /**
     * A fault whose frame the prefetch thread is reading (held there) reads the next free frames of the write order
     * meanwhile, {@code HELP_LOOK} (8) of them, instead of only waiting; without the switch none. The machine is the
     * checkpoint's either way.
     */
    @Test
    void aFaultThatWaitsForALoaderThreadReadsTheNextFramesMeanwhile() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        String expected;
        try (Checkpoint c = repo.open(id)) {
            expected = Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine()); // the checkpoint's machine
        }
        for (boolean help : new boolean[] {true, false}) {
            LazyPages.helpForRestores = help;
            CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            LazyPages.beforePrefetchArrives = () -> {
                if (!first.getAndSet(false)) return;
                inside.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
                LazyPages lp = r.lazy();
                lp.startPrefetch(r.machine(), e -> { });
                assertTrue(inside.await(20, TimeUnit.SECONDS), "the prefetch thread reached its first page");
                int page = -1;
                for (int p = 0; p < c.pageCount() && page < 0; p++) if (lp.dataItemOf(p) == 0 && !lp.arrivedNotTaken(p)) page = p;
                assertTrue(page >= 0, "a page of the first frame not arrived");
                Thread releaser = new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        return;
                    }
                    release.countDown();
                });
                releaser.start();
                // On this thread as the run thread (no run loop is active): the touch waits for the prefetch thread's frame.
                r.machine().memory().read64(r.machine().memory().base() + (long) page * 4096);
                releaser.join();
                assertEquals(help ? 8 : 0, lp.helpedItems(), "help " + help + ": frames read while the fault waited");
                finish(lp, r.machine(), "help " + help);
                assertEquals(expected, Machines.hash(r.machine()), "help " + help + ": the checkpoint's machine");
            }
        }
    }

    /**
     * With {@code lazyStart} the DATA loader is told the guest runs by the run thread's first requests (the guest's first
     * instruction), not by {@link LazyPages#startPrefetch}, and the thread that called it is at the guest's priority from
     * then on; without it the loader is told at once and the thread keeps its priority. The machine is the checkpoint's.
     */
    @Test
    void theDataLoaderIsRaisedAtTheGuestsFirstInstructionNotBefore() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        String expected;
        try (Checkpoint c = repo.open(id)) {
            expected = Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine());
        }
        for (boolean start : new boolean[] {true, false}) {
            LazyPages.startForRestores = start;
            Thread.currentThread().setPriority(Thread.NORM_PRIORITY);
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
                LazyPages lp = r.lazy();
                lp.startPrefetch(r.machine(), e -> { });
                assertEquals(!start, lp.dataToldGuestRuns(), "start " + start + ": the loader told the guest runs before its first instruction");
                assertEquals(start ? Thread.MAX_PRIORITY : Thread.NORM_PRIORITY, Thread.currentThread().getPriority(),
                        "start " + start + ": the priority after startPrefetch");
                r.machine().run(0); // the run thread's first requests, then no instruction
                assertTrue(lp.dataToldGuestRuns(), "start " + start + ": told at the first instruction");
                finish(lp, r.machine(), "start " + start);
                assertEquals(expected, Machines.hash(r.machine()), "start " + start + ": the checkpoint's machine");
            }
        }
    }

    /**
     * Both switches, restored lazily in page order and shuffled orders with the loaders racing the guest run in steps:
     * the eager restore's machine after the same instructions.
     */
    @Test
    void aLazyRestoreWithBothIsTheEagerRestoresMachineInAnyOrder() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        m.run(500_000); // 700,000 after the checkpoint: 200,000 ran while it was saved
        String expected = Machines.hash(m);
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored eager = Restorer.restore(c, null, b -> { }, false, null);
            eager.machine().run(700_000);
            assertEquals(expected, Machines.hash(eager.machine()), Machines.diff(m, eager.machine()));
        }
        LazyPages.helpForRestores = true;
        LazyPages.startForRestores = true;
        for (long seed : new long[] {-1, 1, 2, 3}) {
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                LazyPages lp = r.lazy();
                lp.startPrefetch(r.machine(), e -> { });
                for (int step = 0; step < 70; step++) r.machine().run(10_000);
                String what = "seed " + seed;
                finish(lp, r.machine(), what);
                assertEquals(expected, Machines.hash(r.machine()), what + ": " + Machines.diff(m, r.machine()));
            }
        }
    }

    private static void finish(LazyPages lp, Machine machine, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (lp.allLoadedNanos() < 0 && System.nanoTime() < deadline) {
            assertNull(lp.failure(), what);
            machine.run(0); // runs submitted installs
            Thread.sleep(1);
        }
        assertTrue(lp.allLoadedNanos() >= 0, what + ": prefetch did not finish");
        assertEquals(0, machine.memory().lazyPendingCount(), what);
    }
}
