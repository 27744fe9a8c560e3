package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The order for C2's one slot ({@link CodeCache#HOT_C2_ORDER}, {@code -Dvmckpt.jit.hotC2Order}, off by default; the
 * caches here set it): when the slot frees, the waiting build whose unit ran the larger share of the hart's instructions
 * since its decision is asked for C2, whichever unit looks first. HotTierShareTest's program (a guest loop calling two
 * functions in pages of their own, each a loop) with X's loop ~20% of the instructions and Y's ~80%, in machine mode
 * with {@link CodeCache#HOT_C2_KERNEL} on (no boot here: every build goes to C2 at once). C2's slot is held by a C1
 * unit (compiled at tier 1, never at C2: as a build whose C2 task is still queued) while both loops' builds are made and
 * looked at; then the slot is freed and X's unit is made to look first. With the order Y's build is asked for at X's
 * look; without it (main's first come, first served) X's own; with a staleness bound below Y's last look, X's own too.
 * Every case goes on until both builds are installed with C2's code, and the hart is in step with the interpreter.
 */
class HotTierC2OrderTest {
    private static final int X_ITERATIONS = 100, Y_ITERATIONS = 400;

    private static Hart hart(boolean translate) {
        Hart h = HotTierShareTest.hart(translate, 0);
        // Re-written with other loop counts: X ~300 instructions a call, Y ~1,200.
        HotTierShareTest.function(h.bus().ram(), HotTierShareTest.X, 5, 6, X_ITERATIONS);
        HotTierShareTest.function(h.bus().ram(), HotTierShareTest.Y, 7, 8, Y_ITERATIONS);
        if (translate) {
            CodeCache c = h.codeCache;
            oneC2Slot(c);
            c.hotC2Admit = false; // (round 79: the admission rule, -Dvmckpt.jit.hotC2Admit, would hand X's look to Y's build too)
        }
        return h;
    }

    /**
     * The code cache of a test of C2's one slot (here and HotTierC2AdmitTest's, round 80: one copy): C2's path for
     * every build of a machine-mode loop, at once, installed at a look.
     */
    static void oneC2Slot(CodeCache c) {
        c.promoteUncompiled = false; // (the C2 path: installed at a look once HotSpot has C2's code)
        c.hotC2Direct = false;
        c.hotC2Kernel = 1; // (never booted here: past its boot, so machine-mode builds go to C2 at once)
        c.hotC2KernelEarly = 0;
        c.hotProfileRuns = 0;
        c.hotRecheck = 2_000;
    }

    /**
     * With C2's slot held by {@code holder}: runs until both loops' builds wait for it, then {@code more} instructions
     * (their units look meanwhile); returns X's and Y's waiting units, checked to be there and the slot still held.
     */
    static TranslatedUnit[][] bothWaiting(Hart jit, long deadline, long more, TranslatedUnit holder) {
        TranslatedUnit[] xs = {}, ys = {};
        while (System.nanoTime() < deadline && (xs.length == 0 || ys.length == 0)) {
            jit.run(4096);
            xs = waiting(jit, HotTierShareTest.X);
            ys = waiting(jit, HotTierShareTest.Y);
        }
        HotTierTest.runTo(jit, jit.instret + more);
        xs = waiting(jit, HotTierShareTest.X);
        ys = waiting(jit, HotTierShareTest.Y);
        assertTrue(xs.length > 0 && ys.length > 0, "both loops' builds wait for the slot: " + jit.translationStats());
        assertSame(holder, jit.codeCache.c2Pending, "nothing asked for C2 while the slot was held");
        return new TranslatedUnit[][]{xs, ys};
    }

    /** C2's slot frees; X's units look at their next entries, Y's not before them. */
    static void freeTheSlotXLooksFirst(CodeCache c, TranslatedUnit[] xs, TranslatedUnit[] ys) {
        c.c2SlotHeld = false;
        c.c2Pending = null;
        for (TranslatedUnit x : xs) x.untilHot = 0;
        for (TranslatedUnit y : ys) y.untilHot = Long.MAX_VALUE / 4;
    }

    /** The C1 units of {@code page} (X's or Y's) whose build waits to be asked for C2. */
    static TranslatedUnit[] waiting(Hart h, int page) {
        TranslatedUnit[] found = new TranslatedUnit[8];
        int n = 0;
        for (int off = 0; off < 0x20; off += 4) {
            TranslatedUnit u = h.codeCache.unitAt(page + off);
            if (u != null && !u.hot && u.promoted != null && u.promoted.c2Asked && !u.promoted.c2Requested) found[n++] = u;
        }
        return java.util.Arrays.copyOf(found, n);
    }

    /** Whether one of {@code us} is a candidate whose looks were counted (a unit decided late may not have looked yet). */
    private static boolean listedWithLooks(TranslatedUnit[] us) {
        for (TranslatedUnit u : us) if (u.orderListed && u.orderRan > 0) return true;
        return false;
    }

    private static double maxShare(TranslatedUnit[] us) {
        double m = 0;
        for (TranslatedUnit u : us) m = Math.max(m, CodeCache.c2Share(u));
        return m;
    }

    static boolean hotWithC2(Hart h, int page) {
        for (int off = 0; off < 0x20; off += 4) {
            TranslatedUnit u = h.codeCache.unitAt(page + off);
            if (u != null && u.hot && u.installedTier == HotSpotCompiler.TIER_C2) return true;
        }
        return false;
    }

    /**
     * Runs with the slot held until both loops' builds wait and have looked, frees the slot, makes X's units look first
     * and returns the build asked for C2 at that look; then runs on until both are installed with C2's code.
     */
    private static int firstAskedAfterTheSlotFrees(boolean order, long stale) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(true), ref = hart(false);
        jit.codeCache.hotC2Order = order;
        jit.codeCache.hotC2OrderStale = stale;
        CodeCache c = jit.codeCache;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit holder = null;
        while (holder == null && System.nanoTime() < deadline) {
            jit.run(4096);
            holder = c.unitAt(0); // the outer loop's C1 unit (3 instructions a call: never hot here)
        }
        assertNotNull(holder, "the outer loop's unit: " + jit.translationStats());
        assertNotEquals(HotSpotCompiler.TIER_C2, HotSpotCompiler.get().compiledTier(holder));
        if (HotSpotCompiler.get().compiledTier(holder) <= 0) HotSpotCompiler.get().request(holder, HotSpotCompiler.TIER_C1); // (C1 code, as every unit gets)
        assertTrue(HotSpotCompiler.get().compiledOrQueued(holder), "the holder is C1 code (or queued): the slot stays held");
        c.c2Pending = holder; // C2's slot held: a task not done
        c.c2SlotHeld = true; // (held even if HotSpot takes the holder's code away meanwhile)
        TranslatedUnit[][] waiting = bothWaiting(jit, deadline, 200_000, holder); // (X's units look ~20 times, Y's ~80, the slot held throughout)
        TranslatedUnit[] xs = waiting[0], ys = waiting[1];
        if (order) {
            assertTrue(listedWithLooks(xs) && listedWithLooks(ys), "both loops have a unit among the candidates, with looks counted");
            // (A batch may end inside a loop: a page may hold more than one unit; the order compares units.)
            assertTrue(maxShare(ys) > 2 * maxShare(xs), "a unit of Y's loop runs the larger share: " + maxShare(ys) + " " + maxShare(xs));
        }
        freeTheSlotXLooksFirst(c, xs, ys);
        while (c.c2Pending == null && System.nanoTime() < deadline) jit.run(16);
        TranslatedUnit asked = c.c2Pending;
        assertNotNull(asked, "a build asked for C2 once the slot was free: " + jit.translationStats());
        int askedPage = -1;
        for (TranslatedUnit y : ys) if (y.promoted == asked) askedPage = HotTierShareTest.Y;
        for (TranslatedUnit x : xs) if (x.promoted == asked) askedPage = HotTierShareTest.X;
        for (TranslatedUnit y : ys) y.untilHot = 1; // (Y looks again: its build is installed when C2 is done)
        // Both go on to C2's code, one at a time; the hart stays in step with the interpreter.
        while (!(hotWithC2(jit, HotTierShareTest.X) && hotWithC2(jit, HotTierShareTest.Y)) && System.nanoTime() < deadline) jit.run(4096);
        assertTrue(hotWithC2(jit, HotTierShareTest.Y) && hotWithC2(jit, HotTierShareTest.X), "both loops installed with C2's code: " + jit.translationStats());
        HotTierShareTest.run(jit, ref, jit.instret + 100_000);
        return askedPage;
    }

    @Test
    void theBusierLoopsBuildIsAskedForFirstWhicheverUnitLooks() {
        assertEquals(HotTierShareTest.Y, firstAskedAfterTheSlotFrees(true, CodeCache.HOT_C2_ORDER_STALE), "the busier loop's (Y's) build was asked for first, at X's look");
    }

    @Test
    void withoutTheOrderTheLookingUnitsBuildGoes() {
        assertEquals(HotTierShareTest.X, firstAskedAfterTheSlotFrees(false, CodeCache.HOT_C2_ORDER_STALE), "first come, first served (main): X's build at X's look");
    }

    @Test
    void aCandidateThatStoppedLookingIsPassedOver() {
        assertEquals(HotTierShareTest.X, firstAskedAfterTheSlotFrees(true, 1), "a stale candidate (its last look over 1 instruction old) is not asked for");
    }
}
