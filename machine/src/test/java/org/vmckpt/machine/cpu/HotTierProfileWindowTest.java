package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot tier's profile window ({@link CodeCache#HOT_PROFILE_RUNS}, off by default; the caches here turn it on unless the
 * test JVM says {@code -Dvmckpt.jit.hotProfileRuns=0}, to see the tests fail without it): a hot-tier build runs as tier-3
 * code (C1 with full profiling) only for its window, the C1 unit runs again while C2 compiles it, and it takes the C1
 * unit's place for good only with C2's code; the hart goes on exactly as the interpreter throughout, and a write to the
 * page during the window kills both translations. Without the window the look installs the build with its tier-3 code.
 */
class HotTierProfileWindowTest {
    /**
     * Batches of whole loop iterations (HotTierTest's loop is three instructions), so that every batch starts at the loop's
     * head and no second unit inside the loop takes part (as HotTierCompileTest's LOOP_BATCH).
     */
    private static final int LOOP_BATCH = 3 * 1365;

    private static Hart hart(BackgroundTranslator background, int profileRuns, long recheck) {
        Hart h = HotTierTest.hart(true, 100_000, background);
        h.codeCache.hotProfileRuns = Integer.getInteger("vmckpt.jit.hotProfileRuns", profileRuns);
        h.codeCache.hotRecheck = recheck;
        return h;
    }

    private static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(LOOP_BATCH, target - h.instret));
        assertEquals(target, h.instret);
    }

    private static void buildForGood(BackgroundTranslator background) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        // A short window (one look, 20,000 instructions): C2 has not compiled the build by its end, so the C1 unit comes back.
        Hart jit = hart(background, 1, 20_000), ref = HotTierTest.hart(false, 0, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && u.hot && u.parked == null) break; // in the table for good
            if (jit.instret % (100 * LOOP_BATCH) == 0) { // (now and then: the state is the interpreter's, whichever unit runs)
                runTo(ref, jit.instret);
                HotTierTest.assertSame(jit, ref);
            }
        }
        assertNotNull(u);
        assertTrue(u.hot && u.parked == null, "never installed for good: " + jit.translationStats());
        assertEquals(HotSpotCompiler.TIER_C2, u.installedTier, "took the C1 unit's place for good with C2's code only");
        assertTrue(jit.codeCache.hotWindows >= 1, "it ran a profile window first");
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        runTo(jit, jit.instret + 1_000_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertSame(u, jit.codeCache.unitAt(HotTierTest.KEY), "the hot unit runs on");
    }

    @Test
    void aBuildOfTheTranslatorThreadTakesThePlaceForGoodOnlyWithC2Code() {
        buildForGood(new BackgroundTranslator("test-translator"));
    }

    @Test
    void aBuildMadeOnTheGuestsThreadTakesThePlaceForGoodOnlyWithC2Code() {
        buildForGood(null); // synchronous, as in deterministic mode
    }

    @Test
    void aWriteDuringTheWindowKillsTheBuildAndTheC1Unit() {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        // A long window (at most 20 looks, 4 M instructions): the test writes the page while the build runs in it.
        Hart jit = hart(new BackgroundTranslator("test-translator"), 1_000_000, 200_000), ref = HotTierTest.hart(false, 0, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit p = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            p = jit.codeCache.unitAt(HotTierTest.KEY);
            if (p != null && p.parked != null) break;
        }
        assertNotNull(p);
        assertNotNull(p.parked, "no profile window began: " + jit.translationStats());
        TranslatedUnit c1 = p.parked;
        assertTrue(c1.dead, "the C1 unit is set aside during the window");
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        jit.bus().ram().write32(HotTierTest.BASE + 4, HotTierTest.NEW_SECOND);
        ref.bus().ram().write32(HotTierTest.BASE + 4, HotTierTest.NEW_SECOND);
        assertTrue(p.dead, "the write killed the build in its window");
        assertTrue(c1.dead, "the C1 unit it set aside stays dead");
        runTo(jit, jit.instret + 2_000_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertNotEquals(0, jit.x[7], "the new code ran");
        TranslatedUnit now = jit.codeCache.unitAt(HotTierTest.KEY);
        assertNotSame(p, now);
        assertNotSame(c1, now);
    }
}
