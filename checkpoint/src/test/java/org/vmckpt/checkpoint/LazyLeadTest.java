package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.restore.lazyLead=N} (round 82, {@link LazyPages#LEAD}): before a lazily restored guest's first
 * instruction, the frames holding the first N pages it wrote after the checkpoint's freeze (the write order, which it
 * repeats) are in, the run thread reading those no loader thread took; the machine is the checkpoint's whatever
 * order the loaders take.
 */
class LazyLeadTest {
    @TempDir
    Path dir;

    @AfterEach
    void back() {
        LazyPages.leadForRestores = LazyPages.LEAD;
        LazyPages.leadWaitMillis = LazyPages.LEAD_WAIT_MILLIS;
        LazyPages.beforePrefetch = null;
        LazyPages.beforePrefetchArrives = null;
        LazyPages.helpForRestores = LazyPages.HELP;
    }

    /**
     * No early loader thread and the prefetch thread held: only the run thread's first request can bring pages in
     * before the first instruction. With the lead it does, for every DATA page among the write order's first N (and
     * the guest has faulted on none); without it none of them is in.
     */
    @Test
    void theWriteOrdersFirstFramesAreInBeforeTheFirstInstruction() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        int lead = 200;
        for (int with : new int[] {lead, 0}) {
            for (long seed : new long[] {-1, 1, 2}) {
                LazyPages.leadForRestores = with;
                LazyPages.leadWaitMillis = 60_000; // the property, not the bound (a busy machine must not cut the read short)
                CountDownLatch release = new CountDownLatch(1);
                LazyPages.beforePrefetch = () -> {
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                };
                try (Checkpoint c = repo.open(id)) {
                    int[] order = c.writeOrder();
                    assertTrue(order.length > lead, "the write order holds " + order.length + " pages");
                    Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c, seed < 0 ? null : new Random(seed));
                    LazyPages lp = r.lazy();
                    lp.startPrefetch(r.machine(), e -> { });
                    r.machine().run(0); // the run thread's first requests, then no instruction
                    int data = 0, in = 0;
                    for (int k = 0; k < lead; k++) {
                        if (c.pageKind(order[k]) != PageKind.DATA) continue;
                        data++;
                        if (lp.arrivedNotTaken(order[k])) in++;
                    }
                    assertTrue(data > 0, "DATA pages among the write order's first " + lead);
                    assertEquals(0, lp.faults(), "no guest instruction ran yet");
                    if (with > 0) {
                        assertTrue(lp.leadItems() > 0, "seed " + seed + ": lead items");
                        assertEquals(lp.leadItems(), lp.leadAtStart(), "seed " + seed + ": the lead's frames in at the first instruction");
                        assertEquals(lp.leadItems(), lp.leadReadByRunThread(), "seed " + seed + ": read by the run thread (the prefetch thread held)");
                        assertEquals(data, in, "seed " + seed + ": the write order's first " + lead + " pages' DATA pages in at the first instruction");
                    } else {
                        assertEquals(0, lp.leadItems());
                        assertEquals(0, in, "seed " + seed + ": without the lead nothing loads before the first instruction here");
                    }
                    release.countDown();
                    finish(lp, r.machine(), "lead " + with + " seed " + seed);
                }
            }
        }
    }

    /**
     * With the lead (the whole write order, and a bound of 0: the first instruction does not wait), restored lazily in
     * shuffled orders with the loaders racing the guest run in steps: the eager restore's machine.
     */
    @Test
    void aLazyRestoreWithTheLeadIsTheEagerRestoresMachineInAnyOrder() throws Exception {
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
        for (long waitMillis : new long[] {150, 0}) {
            for (long seed : new long[] {-1, 1, 2, 3}) {
                LazyPages.leadForRestores = Integer.MAX_VALUE;
                LazyPages.leadWaitMillis = waitMillis;
                try (Checkpoint c = repo.open(id)) {
                    Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null, seed < 0 ? null : new Random(seed));
                    LazyPages lp = r.lazy();
                    assertTrue(lp.leadItems() > 0, "lead items");
                    lp.startPrefetch(r.machine(), e -> { });
                    for (int step = 0; step < 70; step++) r.machine().run(10_000);
                    assertTrue(lp.leadAtStart() >= 0, "the lead ran before the first instruction");
                    String what = "wait " + waitMillis + " seed " + seed;
                    finish(lp, r.machine(), what);
                    assertEquals(expected, Machines.hash(r.machine()), what + ": " + Machines.diff(m, r.machine()));
                }
            }
        }
    }

    /**
     * {@code -Dvmckpt.restore.lazyHelp}: a fault whose frame the prefetch thread is reading (held there) reads the next
     * free frames of the write order meanwhile, {@code HELP_LOOK} (8) of them, instead of only waiting; without it none.
     * The machine is the checkpoint's either way.
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
     * The lead's wait is bounded: with the prefetch thread held inside the first item of the order (no early loader), the
     * run thread reads the lead's other items and starts the guest after the bound with that one still out; the machine
     * is still the checkpoint's once the thread goes on.
     */
    @Test
    void theFirstInstructionWaitsNoLongerThanTheBoundForAFrameHeldBack() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        String expected;
        try (Checkpoint c = repo.open(id)) {
            expected = Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine());
        }
        LazyPages.leadForRestores = 200;
        LazyPages.leadWaitMillis = 100;
        CountDownLatch inside = new CountDownLatch(1), release = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        // Held far longer than the bound: a wait that ignored it would see the held item in.
        LazyPages.beforePrefetchArrives = () -> {
            if (!first.getAndSet(false)) return;
            inside.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
            LazyPages lp = r.lazy();
            assertTrue(lp.leadItems() > 1, "lead items " + lp.leadItems());
            lp.startPrefetch(r.machine(), e -> { });
            assertTrue(inside.await(20, TimeUnit.SECONDS), "the prefetch thread reached its first page");
            r.machine().run(0); // the run thread's first requests, then no instruction
            assertEquals(lp.leadItems() - 1, lp.leadAtStart(), "the lead's items in at the first instruction: all but the held one");
            assertEquals(lp.leadItems() - 1, lp.leadReadByRunThread(), "the others read by the run thread");
            release.countDown();
            finish(lp, r.machine(), "held");
            assertEquals(expected, Machines.hash(r.machine()), "held: the checkpoint's machine");
        }
    }

    /** With the lead the thread that starts the prefetch (the one that runs the guest) is at the guest's priority from then on. */
    @Test
    void theThreadThatRunsTheGuestIsAtItsPriorityFromThePrefetchsStart() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = LazyPrefetchOrderTest.secondOfTwoCheckpoints(m, repo);
        for (int lead : new int[] {64, 0}) {
            LazyPages.leadForRestores = lead;
            int[] seen = new int[1];
            Thread t = new Thread(() -> {
                try (Checkpoint c = repo.open(id)) {
                    Restorer.Restored r = Restorer.restore(c, null, b -> { }, true, null);
                    r.lazy().startPrefetch(r.machine(), e -> { });
                    seen[0] = Thread.currentThread().getPriority();
                    finish(r.lazy(), r.machine(), "lead " + lead);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.setPriority(Thread.NORM_PRIORITY);
            t.start();
            t.join();
            assertEquals(lead > 0 ? Thread.MAX_PRIORITY : Thread.NORM_PRIORITY, seen[0], "lead " + lead + ": the priority after startPrefetch");
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
