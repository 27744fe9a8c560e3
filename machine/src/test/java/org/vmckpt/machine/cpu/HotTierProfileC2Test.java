package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The user-mode profile window ({@link CodeCache#HOT_PROFILE_C2}, off by default; the caches here turn it on with a
 * window of {@link #WINDOW} instructions unless the test JVM says {@code -Dvmckpt.jit.hotProfileC2=N}, 0 to see the tests
 * fail without it): a hot-tier build of a unit promoted in user mode on HotSpot's path runs its tier-3 code for N of its
 * own instructions, is then asked for C2 (its tier-3 profile filled by real runs), and takes the C1 unit's place for good
 * with C2's code; the hart goes on exactly as the interpreter throughout. A unit promoted outside user mode, or whose runs
 * were shorter than the floor, keeps main's look.
 */
class HotTierProfileC2Test {
    /** Batches of whole loop iterations (HotTierTest's loop is three instructions), as HotTierProfileWindowTest's. */
    private static final int LOOP_BATCH = 3 * 1365;
    /** The window here: a few of the loop's runs (a run is a batch), short enough that C2 is rarely done by its end. */
    private static final long WINDOW = 30_000;

    private static Hart hart(BackgroundTranslator background, int priv) {
        Hart h = HotTierTest.hart(true, 100_000, background);
        h.codeCache.hotProfileC2 = Long.getLong("vmckpt.jit.hotProfileC2", WINDOW);
        h.codeCache.hotProfileC2MinRun = 0;
        h.codeCache.hotRecheck = 20_000;
        h.setPriv(priv); // (bare: the loop touches no memory)
        return h;
    }

    private static Hart ref(int priv) {
        Hart r = HotTierTest.hart(false, 0, null);
        r.setPriv(priv);
        return r;
    }

    private static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(LOOP_BATCH, target - h.instret));
        assertEquals(target, h.instret);
    }

    private static void inStep(Hart jit, Hart ref) {
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
    }

    private static void installedWithC2CodeAfterItsWindow(BackgroundTranslator background) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(background, Hart.PRIV_U), ref = ref(Hart.PRIV_U);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && u.hot && u.parked == null && !u.dead) break; // in the table for good
            if (jit.instret % (100 * LOOP_BATCH) == 0) inStep(jit, ref); // (now and then: whichever unit runs)
        }
        assertNotNull(u);
        assertTrue(u.hot && u.parked == null, "never installed for good: " + jit.translationStats());
        assertTrue(jit.codeCache.hotProfileC2Builds >= 1, "decided with the user-mode window");
        assertTrue(jit.codeCache.hotWindows >= 1, "it ran a profile window first");
        assertEquals(HotSpotCompiler.TIER_C2, u.installedTier, "took the C1 unit's place for good with C2's code only");
        inStep(jit, ref);
        runTo(jit, jit.instret + 1_000_000);
        inStep(jit, ref);
        assertSame(u, jit.codeCache.unitAt(HotTierTest.KEY), "the hot unit runs on");
    }

    @Test
    void aUserModeBuildOfTheTranslatorThreadRunsItsWindowThenC2Code() {
        installedWithC2CodeAfterItsWindow(new BackgroundTranslator("test-translator"));
    }

    @Test
    void aUserModeBuildMadeOnTheGuestsThreadRunsItsWindowThenC2Code() {
        installedWithC2CodeAfterItsWindow(null); // synchronous, as in deterministic mode
    }

    /** Runs {@code jit} (and {@code ref} now and then) until the loop's build is in the table for its profile window. */
    private static TranslatedUnit untilWindow(Hart jit, Hart ref) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            TranslatedUnit p = jit.codeCache.unitAt(HotTierTest.KEY);
            if (p != null && p.parked != null) return p;
            if (jit.instret % (100 * LOOP_BATCH) == 0) inStep(jit, ref);
        }
        return fail("no profile window began: " + jit.translationStats());
    }

    /**
     * The window's length is the build's own instructions: with the loop the only code, the window ends (the build kept
     * with C2's code, or the C1 unit back and the build queued for C2 through the API) within the window and one batch,
     * and while it lasts the build runs (marked compiled, so the dispatcher's lookup does not probe it with a timed call).
     */
    @Test
    void theBuildIsAskedForC2WithinItsWindowOfItsOwnInstructions() throws Exception {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(new BackgroundTranslator("test-translator"), Hart.PRIV_U), ref = ref(Hart.PRIV_U);
        long window = jit.codeCache.hotProfileC2;
        TranslatedUnit p = untilWindow(jit, ref);
        TranslatedUnit c1 = p.parked;
        assertTrue(p.compiled, "a build in its window is run as compiled code, never probed");
        long ranBefore = jit.translationStats().translatedInstructionsRun();
        runTo(jit, jit.instret + window + LOOP_BATCH);
        assertTrue(jit.translationStats().translatedInstructionsRun() - ranBefore >= window,
                "the loop ran translated through the window, not interpreted behind a probe");
        assertNull(p.parked, "the window of " + window + " instructions is over after " + (window + LOOP_BATCH));
        TranslatedUnit now = jit.codeCache.unitAt(HotTierTest.KEY);
        Method run = p.getClass().getDeclaredMethod("run", Hart.class, int.class);
        if (now == p) {
            assertEquals(HotSpotCompiler.TIER_C2, p.installedTier, "kept after its window only with C2's code");
        } else {
            assertSame(c1, now, "the C1 unit is back while C2 compiles the build");
            assertTrue(p.profiled, "the build's window is over: it waits for C2's code only");
            assertSame(p, c1.promoted);
            assertTrue(HotSpotCompiler.methodTier(run, false) == HotSpotCompiler.TIER_C2 || HotSpotCompiler.methodQueued(run),
                    "queued for C2 at the window's end (or compiled by now)");
            assertEquals(1, jit.codeCache.hotProfileC2Asked);
        }
        inStep(jit, ref);
    }

    /** The loop promoted in privilege mode {@code priv} (not user mode), the switch on: no window, main's look. */
    private static void kernelBuildKeepsMainsLook(BackgroundTranslator background, int priv) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(background, priv), ref = ref(priv);
        jit.codeCache.hotProfileC2 = WINDOW; // (on here whatever the test JVM says: the rule is what is tested)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit c1 = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            TranslatedUnit u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && (u.hot || u.promoted != null)) {
                c1 = u.hot ? null : u;
                break;
            }
        }
        assertTrue(jit.codeCache.hotBuilds >= 1, "no hot-tier build: " + jit.translationStats());
        if (c1 != null) assertFalse(c1.profileC2, "a unit promoted outside user mode is not marked for the window");
        runTo(jit, jit.instret + 500_000);
        assertEquals(0, jit.codeCache.hotProfileC2Builds, "no build decided with the user-mode window");
        assertEquals(0, jit.codeCache.hotWindows, "no profile window outside user mode");
        inStep(jit, ref);
    }

    @Test
    void aSupervisorModeBuildKeepsMainsLook() {
        kernelBuildKeepsMainsLook(new BackgroundTranslator("test-translator"), Hart.PRIV_S);
    }

    @Test
    void aMachineModeBuildMadeOnTheGuestsThreadKeepsMainsLook() {
        kernelBuildKeepsMainsLook(null, Hart.PRIV_M);
    }

    /** A user-mode unit whose runs were shorter than the floor when decided keeps main's look (no window). */
    @Test
    void runsShorterThanTheFloorKeepMainsLook() {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(new BackgroundTranslator("test-translator"), Hart.PRIV_U), ref = ref(Hart.PRIV_U);
        jit.codeCache.hotProfileC2 = WINDOW;
        jit.codeCache.hotProfileC2MinRun = 1_000_000; // (the loop's runs are a batch, 4,095 instructions, at most)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        while (System.nanoTime() < deadline && jit.codeCache.hotBuilds == 0) jit.run(LOOP_BATCH);
        assertTrue(jit.codeCache.hotBuilds >= 1, "no hot-tier build: " + jit.translationStats());
        runTo(jit, jit.instret + 500_000);
        assertEquals(0, jit.codeCache.hotProfileC2Builds, "runs under the floor: no build decided with the window");
        assertEquals(0, jit.codeCache.hotWindows, "no profile window");
        inStep(jit, ref);
    }
}
