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
 * Since round 73 only a unit promoted in user mode goes so ({@link CodeCache#c2Direct}): the same loop run in supervisor
 * or machine mode gets a build for HotSpot's path (no C2 request), as without the switch.
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
        jit.setPriv(Hart.PRIV_U); // (user mode, bare: the loop touches no memory)
        ref.setPriv(Hart.PRIV_U);
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
        assertTrue(jit.codeCache.hotC2UserBuilds >= 1, "promoted in user mode");
        assertEquals(0, jit.codeCache.hotC2KernelBuilds, "nothing promoted outside user mode");
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        runTo(jit, jit.instret + 1_000_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertSame(u, jit.codeCache.unitAt(HotTierTest.KEY), "the hot unit runs on");
        assertEquals(HotSpotCompiler.TIER_C2, HotSpotCompiler.get().tier(u), "still C2's code");
    }

    /**
     * The loop promoted in privilege mode {@code priv} (not user mode): its build is made for HotSpot's path (warm-up
     * calls, tier 3), never marked or queued for C2 at once, and the hart stays in step with the interpreter.
     */
    private static void kernelBuildTakesHotSpotsPath(BackgroundTranslator background, int priv) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(background), ref = HotTierTest.hart(false, 0, null);
        jit.setPriv(priv);
        ref.setPriv(priv);
        jit.codeCache.hotC2Direct = true; // (on here whatever the test JVM says: the rule is what is tested)
        jit.codeCache.hotC2Kernel = 0; // (the user rule's kernel side; CodeCache#HOT_C2_KERNEL sends kernel builds to C2 by design)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit build = null;
        while (System.nanoTime() < deadline && build == null) {
            jit.run(LOOP_BATCH);
            TranslatedUnit u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null) build = u.hot ? u : u.promoted; // (the build, waiting or installed)
        }
        assertNotNull(build, "no hot-tier build: " + jit.translationStats());
        assertFalse(build.c2Asked, "a build of a unit promoted outside user mode is not for C2 at once");
        assertFalse(build.c2Requested);
        assertTrue(jit.codeCache.hotC2KernelBuilds >= 1, "counted as HotSpot's path");
        assertEquals(0, jit.codeCache.hotC2UserBuilds, "nothing promoted in user mode");
        assertEquals(0, jit.codeCache.hotC2Requests, "nothing queued for C2 through the API");
        runTo(jit, jit.instret + 200_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
    }

    @Test
    void aSupervisorModeBuildTakesHotSpotsPath() {
        kernelBuildTakesHotSpotsPath(new BackgroundTranslator("test-translator"), Hart.PRIV_S);
    }

    @Test
    void aMachineModeBuildMadeOnTheGuestsThreadTakesHotSpotsPath() {
        kernelBuildTakesHotSpotsPath(null, Hart.PRIV_M);
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
