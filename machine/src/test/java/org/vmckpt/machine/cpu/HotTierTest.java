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
        if (translate) {
            h.codeCache.background = background;
            h.codeCache.hotMinRun = 0; // the hot tier's mechanism, not the run-length rule (HotTierMinRunTest)
        }
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
        // (A batch may begin inside the loop: its other entries may be promoted as well, or first.)
        while (!isHot(jit.codeCache.unitAt(KEY)) && System.nanoTime() < deadline) jit.run(4096);
        assertTrue(isHot(jit.codeCache.unitAt(KEY)), "the hot loop was never promoted: " + jit.translationStats());
        assertTrue(jit.translationStats().promotions() >= 1);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
        TranslatedUnit u = jit.codeCache.unitAt(KEY);
        assertEquals("org.vmckpt.machine.cpu.HotUnit", u.getClass().getName().replaceAll("/.*", ""));
    }

    static boolean isHot(TranslatedUnit u) {
        return u != null && u.hot;
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

    /** HotSpot's list of compiled methods (jcmd Compiler.codelist): "id level state name [addresses] ...". */
    static String codelist() throws Exception {
        return (String) java.lang.management.ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerCodelist",
                new Object[0], new String[0]);
    }

    static boolean compiledAtLevel4(String codelist, String classPrefix) {
        for (String line : codelist.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[1].equals("4") && f[3].startsWith(classPrefix)) return true;
        }
        return false;
    }

    @Test
    void theHotUnitIsCompiledByC2AndUnitsAreNot() throws Exception {
        Hart jit = hart(true, 100_000, new BackgroundTranslator("test-translator")), ref = hart(false, 0, null);
        runUntilPromoted(jit, ref);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        String list = codelist();
        while (!compiledAtLevel4(list, "org.vmckpt.machine.cpu.HotUnit") && System.nanoTime() < deadline) {
            for (int k = 0; k < 1000; k++) jit.run(4096);
            list = codelist();
        }
        assertTrue(compiledAtLevel4(list, "org.vmckpt.machine.cpu.HotUnit"), "no hot unit compiled by C2:\n" + list);
        assertFalse(compiledAtLevel4(list, "org.vmckpt.machine.cpu.Unit"), "a C1-only unit was compiled by C2:\n" + list);
        runTo(ref, jit.instret);
        assertSame(jit, ref);
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
        runUntilPromoted(jit, ref); // the new code becomes hot and is promoted in turn
    }

    @Test
    void aBuildForAUnitWhosePageWasWrittenIsNeverInstalled() {
        BackgroundTranslator bt = new BackgroundTranslator("test-translator");
        CountDownLatch built = new CountDownLatch(1), go = new CountDownLatch(1);
        Hart jit = hart(true, 100_000, bt), ref = hart(false, 0, null);
        jit.codeCache.promoteUncompiled = true;
        java.util.function.Consumer<PendingUnit> hold = holdFirst(built, go);
        bt.afterBuild = p -> {
            if (p.replaces != null) hold.accept(p); // the first hot-tier build (C1 jobs of the loop's other entries pass)
        };
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
