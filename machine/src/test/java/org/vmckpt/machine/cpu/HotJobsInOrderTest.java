package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The translator thread's order with hot-tier jobs ({@link BackgroundTranslator#HOT_JOBS_IN_ORDER}): a hot-tier build is
 * of code the guest runs as a C1 unit, so nothing is interpreted at its entry; taken hottest first alone it waits behind
 * every interpreted job, even those queued after it. With the rule it keeps its place in the order of arrival.
 */
class HotJobsInOrderTest {
    /** A job of {@code cache} at {@code key}; a hot-tier build if {@code hot}; {@code interpreted} at its entry so far. */
    static PendingUnit job(CodeCache cache, long key, boolean hot, int interpreted) {
        PendingUnit p = new PendingUnit(cache, key, (int) (key >>> 12), new byte[4096], -1, null);
        if (hot) p.replaces = new PendingUnit(cache, key, (int) (key >>> 12), new byte[0], -1, null); // (stands for the live C1 unit)
        p.interpreted = interpreted;
        return p;
    }

    static int next(boolean hottestFirst, boolean hotInOrder, PendingUnit... queue) {
        return BackgroundTranslator.next(List.of(queue), hottestFirst, hotInOrder);
    }

    @Test
    void aHotJobQueuedBeforeTheHottestInterpretedJobGoesFirst() {
        PendingUnit cold = job(null, 0x1000, false, 0), hot = job(null, 0x2000, true, 0), hottest = job(null, 0x3000, false, 5_000);
        assertEquals(1, next(true, true, cold, hot, hottest), "the hot job, queued before the hottest");
        assertEquals(2, next(true, false, cold, hot, hottest), "round 60's order: the hottest, the hot job behind it");
        assertEquals(0, next(false, true, cold, hot, hottest), "oldest first: the rule changes nothing");
    }

    @Test
    void aHotJobQueuedAfterTheHottestInterpretedJobWaitsForIt() {
        PendingUnit hottest = job(null, 0x1000, false, 5_000), hot = job(null, 0x2000, true, 0), cold = job(null, 0x3000, false, 10);
        assertEquals(0, next(true, true, hottest, hot, cold));
        // Among interpreted jobs the order is round 60's: the most interpreted, the oldest of equals.
        PendingUnit a = job(null, 0x1000, false, 7), b = job(null, 0x2000, false, 9), c = job(null, 0x3000, false, 9);
        assertEquals(1, next(true, true, a, b, c));
        // The oldest of two hot jobs; a hot job alone.
        PendingUnit h1 = job(null, 0x1000, true, 0), h2 = job(null, 0x2000, true, 0);
        assertEquals(0, next(true, true, h1, h2, c));
        assertEquals(0, next(true, true, h2));
    }

    /**
     * The translator thread itself: a job held on it while a cold job, a hot-tier job and a job whose code the guest
     * interprets the most are queued in that order. With the rule the hot-tier job is taken next; without it, last.
     */
    @Test
    void theTranslatorThreadTakesTheHotJobInItsPlace() {
        assertEquals(List.of(0x2000L, 0x3000L, 0x1000L), takenAfterTheHeldJob(true), "hot jobs in order");
        assertEquals(List.of(0x3000L, 0x1000L, 0x2000L), takenAfterTheHeldJob(false), "hottest first alone");
    }

    /** The keys of the jobs the thread took after the held one, in its order. */
    static List<Long> takenAfterTheHeldJob(boolean hotInOrder) {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator", false, true, hotInOrder);
        CountDownLatch held = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = BackgroundTranslatorTest.holdFirst(held, go);
        List<Long> taken = Collections.synchronizedList(new ArrayList<>());
        bt.afterBuild = p -> taken.add(p.key);
        CodeCache cache = BackgroundTranslatorTest.hart(true, bt).codeCache;
        List<PendingUnit> jobs = List.of(job(cache, 0x9000, false, 0), job(cache, 0x1000, false, 0), job(cache, 0x2000, true, 0),
                job(cache, 0x3000, false, 5_000));
        for (PendingUnit p : jobs) p.cancelled = true; // (taken and handed back, not built: the order is what is tested)
        assertTrue(bt.submit(jobs.get(0)));
        BackgroundTranslatorTest.await(held);
        for (PendingUnit p : jobs.subList(1, jobs.size())) assertTrue(bt.submit(p));
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
        while (taken.size() < jobs.size() && System.nanoTime() < deadline) Thread.onSpinWait();
        assertEquals(jobs.size(), taken.size(), "the thread took every job");
        assertEquals(0x9000L, taken.get(0));
        return new ArrayList<>(taken.subList(1, taken.size()));
    }
}
