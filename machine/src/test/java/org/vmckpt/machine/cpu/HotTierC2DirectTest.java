package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Hot-tier builds queued for C2 at once ({@link CodeCache#HOT_C2_DIRECT}, off by default; the caches here turn it on
 * unless the test JVM says {@code -Dvmckpt.jit.hotC2Direct=false}, to see the tests fail without it): a build takes its
 * C1 unit's place only with C2's code, never with tier-3 code, made on the translator thread or on the guest's; the
 * hart goes on exactly as the interpreter throughout (a build that waits is dropped by a write to its page as every build
 * is: HotTierTest). Without the switch the look installs the build with its tier-3 code (or tier 2's), as HotTierProfileWindowTest says.
 */
class HotTierC2DirectTest {
    /** Batches of whole loop iterations (HotTierTest's loop is three instructions), as HotTierProfileWindowTest's. */
    private static final int LOOP_BATCH = 3 * 1365;

    private static Hart hart(BackgroundTranslator background) {
        Hart h = HotTierTest.hart(true, 100_000, background);
        h.codeCache.hotC2Direct = Boolean.parseBoolean(System.getProperty("vmckpt.jit.hotC2Direct", "true"));
        h.codeCache.hotRecheck = 20_000;
        return h;
    }

    private static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(LOOP_BATCH, target - h.instret));
        assertEquals(target, h.instret);
    }

    private static void installedWithC2Code(BackgroundTranslator background) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(background), ref = HotTierTest.hart(false, 0, null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && u.hot) break; // the build took the C1 unit's place
            if (jit.instret % (100 * LOOP_BATCH) == 0) { // (now and then: the state is the interpreter's, whichever unit runs)
                runTo(ref, jit.instret);
                HotTierTest.assertSame(jit, ref);
            }
        }
        assertNotNull(u);
        assertTrue(u.hot, "never installed: " + jit.translationStats());
        assertEquals(HotSpotCompiler.TIER_C2, u.installedTier, "took the C1 unit's place with C2's code only, never tier 3's");
        assertTrue(u.c2Asked && u.c2Requested, "queued for C2 through the API at a look");
        assertTrue(jit.codeCache.hotC2Requests >= 1, "counted");
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        runTo(jit, jit.instret + 1_000_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertSame(u, jit.codeCache.unitAt(HotTierTest.KEY), "the hot unit runs on");
        assertEquals(HotSpotCompiler.TIER_C2, HotSpotCompiler.get().tier(u), "still C2's code");
    }

    @Test
    void aBuildOfTheTranslatorThreadIsInstalledOnlyWithC2Code() {
        installedWithC2Code(new BackgroundTranslator("test-translator"));
    }

    @Test
    void aBuildMadeOnTheGuestsThreadIsInstalledOnlyWithC2Code() {
        installedWithC2Code(null); // synchronous, as in deterministic mode
    }
}
