package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Units built on the translator thread ({@link BackgroundTranslator}) never run stale code: the guest's code changes
 * (a write to its page, an eager restore or reset that installs other pages, a lazy restore that flushes
 * everything) while its unit is queued or being built, and the translated hart must go on exactly as the
 * interpreter does. The races are made deterministic with latches in the translator thread's test hooks: the job is
 * held there while the guest's side changes the code.
 */
class BackgroundTranslatorTest {
    static final long BASE = 0x8000_0000L;
    static final long CODE = BASE;

    // A one-page loop: x5 += 1 (the old code) or x5 += 2 (the new code), forever.
    static final int[] OLD = {addi(5, 5, 1), j(-4, 0)};
    static final int[] NEW = {addi(5, 5, 2), j(-4, 0)};

    static void put(GuestMemory mem, long pa, int[] code) {
        for (int k = 0; k < code.length; k++) mem.write32(pa + 4L * k, code[k]);
    }

    static GuestMemory mem(Hart h) {
        return h.bus().ram();
    }

    static Hart hart(boolean translate, BackgroundTranslator background) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        if (translate) h.codeCache.background = background;
        put(mem(h), CODE, OLD);
        h.pc = CODE;
        return h;
    }

    static void await(CountDownLatch l) {
        try {
            if (!l.await(60, TimeUnit.SECONDS)) throw new AssertionError("the translator thread never got there");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** Holds the first job the hook sees at {@code go}, after counting down {@code reached}; later jobs pass. */
    static Consumer<PendingUnit> holdFirst(CountDownLatch reached, CountDownLatch go) {
        AtomicBoolean first = new AtomicBoolean(true);
        return p -> {
            if (!first.getAndSet(false)) return;
            reached.countDown();
            await(go);
        };
    }

    /** Waits (the guest stopped, so nothing takes it) until the translator thread has handed back the held job. */
    static void awaitHandedBack(Hart h) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
        while (!h.codeCache.translationsWaiting() && System.nanoTime() < deadline) Thread.onSpinWait();
        assertTrue(h.codeCache.translationsWaiting(), "the translator thread never handed the job back");
    }

    static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(4096, target - h.instret));
        assertEquals(target, h.instret);
    }

    static void assertSame(Hart jit, Hart ref) {
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 5; r <= 7; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at instret " + ref.instret);
    }

    /** Runs both to {@code n} more instructions, compares them, then until the hart runs translated code again. */
    static void goOnAsTheInterpreter(Hart jit, Hart ref, long n) {
        long target = jit.instret + n;
        runTo(jit, target);
        runTo(ref, target);
        assertSame(jit, ref);
        for (int k = 0; k < 100_000 && jit.translationStats().translatedInstructionsRun() == 0; k++) {
            jit.run(4096);
            if (k % 100 == 99) Thread.yield();
        }
        assertTrue(jit.translationStats().translatedInstructionsRun() > 0, "the new code never ran translated: " + jit.translationStats());
        runTo(ref, jit.instret);
        assertSame(jit, ref);
    }

    @Test
    void aPageWrittenWhileItsUnitIsBuiltNeverRunsTheStaleUnit() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch built = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.afterBuild = holdFirst(built, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        while (built.getCount() > 0 && jit.instret < 50_000_000) jit.run(4096); // the loop gets hot; its job is queued
        await(built); // the unit of the old code is built and not handed back yet
        for (int k = 0; k < 10; k++) jit.run(4096);
        assertEquals(0, jit.translationStats().translatedInstructionsRun(), "nothing ran translated before installation");
        runTo(ref, jit.instret);
        put(mem(jit), CODE, NEW);
        put(mem(ref), CODE, NEW);
        go.countDown();
        awaitHandedBack(jit);
        runTo(ref, jit.instret);
        goOnAsTheInterpreter(jit, ref, 200_000);
        assertEquals(1, jit.translationStats().staleDropped(), "the unit built from the old bytes was dropped: " + jit.translationStats());
    }

    /**
     * A loop across a page boundary (x5 += 1 at the last word of the first page, then x6 += 1 or 2 and a jump back in
     * the next): its unit holds code of both pages. The second page is written while the unit is built: the unit
     * must not be installed (that page was not a code page yet, so only its bytes tell), and the hart goes on as
     * the interpreter.
     */
    @Test
    void theSecondPageWrittenWhileAUnitAcrossTheBoundaryIsBuiltNeverRunsTheStaleUnit() {
        int[] old2 = {addi(6, 6, 1), j(-8, 0)}, new2 = {addi(6, 6, 2), j(-8, 0)};
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch built = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.afterBuild = holdFirst(built, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        for (Hart h : new Hart[] {jit, ref}) {
            put(mem(h), CODE + 0xffc, new int[] {addi(5, 5, 1)});
            put(mem(h), CODE + 0x1000, old2);
            h.pc = CODE + 0xffc;
        }
        while (built.getCount() > 0 && jit.instret < 50_000_000) jit.run(4096);
        await(built);
        runTo(ref, jit.instret);
        put(mem(jit), CODE + 0x1000, new2);
        put(mem(ref), CODE + 0x1000, new2);
        go.countDown();
        awaitHandedBack(jit);
        runTo(ref, jit.instret);
        goOnAsTheInterpreter(jit, ref, 200_000);
        // (a unit entered in the second page, if one was pending, is dropped too)
        assertTrue(jit.translationStats().staleDropped() >= 1, "the unit built from the old bytes was dropped: " + jit.translationStats());
        for (int k = 0; k < 100_000 && jit.translationStats().crossPageUnits() == 0; k++) {
            jit.run(4096);
            if (k % 100 == 99) Thread.yield();
        }
        assertTrue(jit.translationStats().crossPageUnits() > 0, "a unit across the boundary was built again: " + jit.translationStats());
        runTo(ref, jit.instret);
        assertSame(jit, ref);
    }

    /** An eager restore (or a reset to a checkpoint) installs pages and registers while the job waits in the queue. */
    @Test
    void aRestoreWhileTheJobIsQueuedDropsIt() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch taken = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = holdFirst(taken, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        while (taken.getCount() > 0 && jit.instret < 50_000_000) jit.run(4096);
        await(taken);
        runTo(ref, jit.instret);
        byte[] page = new byte[4096];
        for (int k = 0; k < NEW.length; k++) {
            for (int b = 0; b < 4; b++) page[4 * k + b] = (byte) (NEW[k] >>> (8 * b));
        }
        for (Hart h : new Hart[] {jit, ref}) {
            mem(h).installPage(mem(h).pageIndexOf(CODE), page.clone());
            h.pc = CODE;
            h.x[5] = 7;
        }
        go.countDown();
        awaitHandedBack(jit);
        runTo(ref, jit.instret);
        goOnAsTheInterpreter(jit, ref, 200_000);
        assertEquals(1, jit.translationStats().staleDropped(), jit.translationStats().toString());
    }

    /**
     * A job that fails outside the translator's own catch (here a hook throws; in the field an OutOfMemoryError or a
     * bug in the hand-back) is handed back unbuilt and the thread goes on: later entries are still translated.
     */
    @Test
    void aJobThatFailsLeavesTheThreadWorking() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        AtomicBoolean first = new AtomicBoolean(true);
        bt.beforeBuild = p -> {
            if (first.getAndSet(false)) throw new IllegalStateException("a failure outside the translator");
        };
        Hart jit = hart(true, bt), ref = hart(false, null);
        while (bt.failures == 0 && jit.instret < 50_000_000) jit.run(4096);
        assertEquals(1, bt.failures, "the hook's failure was caught and counted");
        runTo(ref, jit.instret);
        assertSame(jit, ref); // the failed entry is interpreted on
        jit.run(100_000);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        Hart next = hart(true, bt), nextRef = hart(false, null);
        goOnAsTheInterpreter(next, nextRef, 100_000); // and the thread still builds the next hart's entry
    }

    /** A lazy restore replaces all of memory and flushes the cache while a job is held on the translator thread. */
    @Test
    void aFlushWhileTheJobIsBuiltDropsIt() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch built = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.afterBuild = holdFirst(built, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        while (built.getCount() > 0 && jit.instret < 50_000_000) jit.run(4096);
        await(built);
        runTo(ref, jit.instret);
        jit.flushAllMappings(); // what GuestMemory.setLazySource tells its observers
        go.countDown();
        awaitHandedBack(jit);
        runTo(ref, jit.instret);
        long flushes = jit.translationStats().flushes();
        goOnAsTheInterpreter(jit, ref, 200_000);
        assertEquals(1, jit.translationStats().staleDropped(), jit.translationStats().toString());
        assertEquals(flushes, jit.translationStats().flushes());
    }

    /** A hart that stops translating (its cache dropped) while its job is held: the thread goes on serving others. */
    @Test
    void aCacheDroppedWhileItsJobIsQueuedLeavesTheThreadWorking() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch taken = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = holdFirst(taken, go);
        Hart gone = hart(true, bt);
        while (taken.getCount() > 0 && gone.instret < 50_000_000) gone.run(4096);
        await(taken);
        CodeCache dropped = gone.codeCache;
        gone.setTranslation(false);
        gone.run(100_000); // interprets on
        go.countDown();
        Hart next = hart(true, bt), ref = hart(false, null);
        goOnAsTheInterpreter(next, ref, 100_000);
        assertEquals(0, dropped.stats().liveUnits(), "the dropped cache installed nothing");
    }

    /**
     * The order of the translator thread's jobs ({@link BackgroundTranslator#next}): three loops of one page in a row, A, B
     * (40 iterations each) and C (for good). A's job is held on the translator thread while B's and C's are queued behind
     * it and the guest goes on interpreting C. Taken hottest first, the next job built is C's (the code the guest runs),
     * not one the guest left (A's or B's), which the oldest-first order (retired in round 83) took.
     */
    @Test
    void theJobWhoseCodeTheGuestInterpretsTheMostIsBuiltFirst() {
        assertEquals(LOOP_C, firstBuiltAfterTheHeldJob(), "hottest first: C's job next");
    }

    static final int LOOP_B = 64, LOOP_C = 128;

    /** The scenario above; returns the start of the loop (0, LOOP_B, LOOP_C) of the first job built after the held one. */
    static int firstBuiltAfterTheHeldJob() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch taken = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = holdFirst(taken, go);
        java.util.List<Integer> built = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        bt.afterBuild = p -> built.add(p.entryOff);
        Hart jit = hart(true, bt);
        int[] loop40 = {addi(6, 0, 40), addi(5, 5, 1), addi(6, 6, -1), b(-8, 0, 6, 1), j(64 - 16, 0)};
        put(mem(jit), CODE, loop40);
        put(mem(jit), CODE + LOOP_B, loop40);
        put(mem(jit), CODE + LOOP_C, new int[] {addi(7, 7, 1), addi(5, 5, 1), j(-4, 0)});
        // Until A's job is held and C's loop runs (its unit cannot be installed: the thread is held).
        for (int k = 0; k < 1000 && (taken.getCount() > 0 || jit.pc < CODE + LOOP_C); k++) jit.run(4096);
        await(taken);
        assertTrue(jit.pc >= CODE + LOOP_C, "the guest reached C's loop");
        for (int k = 0; k < 50; k++) jit.run(4096); // C's code interpreted, its job (queued) gathering what it costs
        assertTrue(jit.codeCache.pendingUnits() >= 3, "jobs of A, B and C queued or held: " + jit.codeCache.pendingUnits());
        int before = built.size();
        go.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a watchdog, not a measure
        while (built.size() < before + 2 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertTrue(built.size() >= before + 2, "the translator thread built the held job and the next one");
        int next = built.get(before + 1); // (the held job's is the first)
        return next >= LOOP_C ? LOOP_C : next >= LOOP_B ? LOOP_B : 0;
    }

    /** The bound: units queued beyond the queue's capacity are refused, and the guest interprets them on. */
    @Test
    void aFullQueueRefusesJobsAndTheGuestGoesOn() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch taken = new CountDownLatch(1), go = new CountDownLatch(1);
        bt.beforeBuild = holdFirst(taken, go);
        Hart jit = hart(true, bt), ref = hart(false, null);
        // A chain of loops, one per 64-byte line of three pages: each loop runs 40 times, then falls into the next
        // (enough for block mode's 1-in-16 sample of jumps to hand each loop's head to the dispatcher).
        int loops = 3 * 64;
        for (int k = 0; k < loops; k++) {
            long pa = CODE + 64L * k;
            put(mem(jit), pa, new int[] {addi(6, 0, 40), addi(5, 5, 1), addi(6, 6, -1), b(-8, 0, 6, 1), j(64 - 16, 0)});
            put(mem(ref), pa, new int[] {addi(6, 0, 40), addi(5, 5, 1), addi(6, 6, -1), b(-8, 0, 6, 1), j(64 - 16, 0)});
        }
        long end = CODE + 64L * loops;
        put(mem(jit), end, new int[] {j(0, 0)});
        put(mem(ref), end, new int[] {j(0, 0)});
        for (int k = 0; k < 20 && jit.pc != end; k++) jit.run(4096);
        await(taken);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertTrue(jit.translationStats().queueFull() > 0, "more hot entries than the queue holds: " + jit.translationStats());
        go.countDown();
    }

    /**
     * The translator thread feeds C1's queue: it runs at HotSpot's compiler threads' priority (NearMaxPriority), below
     * the guest's thread only. At the lowest priority its jobs waited behind C1 and every other process while the
     * guest interpreted their hot code (docs/BENCHMARKS.md, CPU benchmark, round 9).
     */
    @Test
    void theTranslatorThreadRunsAtTheCompilerThreadsPriority() {
        BackgroundTranslator.shared();
        Thread t = Thread.getAllStackTraces().keySet().stream().filter(x -> x.getName().equals("vmckpt-translator"))
                .findFirst().orElseThrow();
        assertEquals(Thread.MAX_PRIORITY - 1, t.getPriority());
        assertTrue(t.isDaemon());
    }
}
