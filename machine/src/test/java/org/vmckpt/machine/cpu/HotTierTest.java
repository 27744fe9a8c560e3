package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.BackgroundTranslatorTest.await;
import static org.vmckpt.machine.cpu.BackgroundTranslatorTest.holdFirst;

/**
 * The hot tier ({@link CodeCache#hot}): a unit that has retired enough instructions is translated again as a class
 * that C2 may compile and takes the old unit's place; the hart goes on exactly as the interpreter, and a write to
 * the code's page drops the hot unit, or its build before it is installed.
 */
class HotTierTest {
    static final long BASE = 0x8000_0000L;
    /** Key of the loop's entry in the code cache: RAM page 0, offset 0. */
    static final long KEY = 0;

    // A one-page loop: x5 += 1, x6 += x5 (the old code) or x7 += x5 (the new code), forever.
    static final int[] OLD = {addi(5, 5, 1), add(6, 6, 5), j(-8, 0)};
    static final int NEW_SECOND = add(7, 7, 5);

    static Hart hart(boolean translate, long promoteAfter, BackgroundTranslator background) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(promoteAfter);
        if (translate) h.codeCache.background = background;
        for (int k = 0; k < OLD.length; k++) h.bus().ram().write32(BASE + 4L * k, OLD[k]);
        h.pc = BASE;
        return h;
    }

    static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(4096, target - h.instret));
        assertEquals(target, h.instret);
    }

    static void assertSame(Hart jit, Hart ref) {
        assertEquals(ref.pc, jit.pc, "pc at instret " + ref.instret);
        for (int r = 5; r <= 7; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at instret " + ref.instret);
    }

    /** Runs the translated hart until its loop runs as a hot unit (a watchdog bounds it), and the reference as far. */
    static void runUntilPromoted(Hart jit, Hart ref) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        while (jit.translationStats().promotions() == 0 && System.nanoTime() < deadline) jit.run(4096);
        assertEquals(1, jit.translationStats().promotions(), "the hot loop was never promoted: " + jit.translationStats());
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        TranslatedUnit u = jit.codeCache.unitAt(KEY);
        assertTrue(u != null && u.hot, "the hot unit is in the cache");
        assertEquals("org.vmckpt.machine.cpu.HotUnit", u.getClass().getName().replaceAll("/.*", ""));
    }

    @Test
    void aHotLoopIsPromotedOnceCompiledAndGoesOnAsTheInterpreter() {
        // The real path: built on a translator thread, installed once HotSpot compiled it.
        Hart jit = hart(true, 100_000, new BackgroundTranslator("test-translator")), ref = hart(false, 0, null);
        runUntilPromoted(jit, ref);
        long ranBefore = jit.translationStats().translatedInstructionsRun();
        runTo(jit, jit.instret + 1_000_000);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertTrue(jit.translationStats().translatedInstructionsRun() > ranBefore, "the hot unit runs");
        assertTrue(jit.codeCache.unitAt(KEY).hot);
    }

    @Test
    void aColdUnitIsNotPromoted() {
        Hart jit = hart(true, 50_000_000, null), ref = hart(false, 0, null);
        jit.codeCache.promoteUncompiled = true;
        runTo(jit, 2_000_000);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertTrue(jit.translationStats().translatedInstructionsRun() > 0);
        assertEquals(0, jit.translationStats().promotions());
        assertFalse(jit.codeCache.unitAt(KEY).hot);
    }

    @Test
    void aStoreIntoThePageDropsThePromotedUnit() {
        Hart jit = hart(true, 20_000, null), ref = hart(false, 0, null); // synchronous, as in deterministic mode
        jit.codeCache.promoteUncompiled = true;
        runUntilPromoted(jit, ref);
        TranslatedUnit hot = jit.codeCache.unitAt(KEY);
        jit.bus().ram().write32(BASE + 4, NEW_SECOND);
        ref.bus().ram().write32(BASE + 4, NEW_SECOND);
        assertTrue(hot.dead, "the write killed the hot unit");
        assertNotSame(hot, jit.codeCache.unitAt(KEY));
        runTo(jit, jit.instret + 500_000);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertNotEquals(0, jit.x[7], "the new code ran");
        assertEquals(2, jit.translationStats().promotions(), "the new code became hot and was promoted in turn");
    }

    @Test
    void aBuildForAUnitWhosePageWasWrittenIsNeverInstalled() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch built = new CountDownLatch(1), go = new CountDownLatch(1);
        Hart jit = hart(true, 100_000, bt), ref = hart(false, 0, null);
        jit.codeCache.promoteUncompiled = true;
        // Let the C1 unit be built and installed first; then hold the next job (the hot build) after it is built.
        while (jit.translationStats().translatedInstructionsRun() == 0 && jit.instret < 500_000_000) jit.run(4096);
        bt.afterBuild = holdFirst(built, go);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog
        while (built.getCount() > 0 && System.nanoTime() < deadline) jit.run(4096);
        await(built); // the hot build of the old code is done, not handed back yet
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        jit.bus().ram().write32(BASE + 4, NEW_SECOND);
        ref.bus().ram().write32(BASE + 4, NEW_SECOND);
        jit.setPromotionThreshold(Long.MAX_VALUE); // the new code's unit stays C1: only the old build is in question
        go.countDown();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (jit.translationStats().promotionsDropped() == 0 && System.nanoTime() < deadline) jit.run(4096);
        // (The loop's other entries, where batches began, may have had builds of the old code queued too.)
        assertTrue(jit.translationStats().promotionsDropped() >= 1, "the build from the old bytes was dropped: " + jit.translationStats());
        assertEquals(0, jit.translationStats().promotions());
        runTo(jit, jit.instret + 500_000);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        assertNotEquals(0, jit.x[7], "the new code ran");
        TranslatedUnit u = jit.codeCache.unitAt(KEY);
        assertTrue(u == null || !u.hot, "no hot unit of the old code");
    }
}
