package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kernel hot-tier builds to C2 at once after the boot ({@link CodeCache#HOT_C2_KERNEL}, {@code -Dvmckpt.jit.hotC2Kernel},
 * off by default; the caches here turn it on) and the early look ({@link CodeCache#HOT_C2_KERNEL_EARLY}): a unit promoted
 * in supervisor or machine mode once the hart has run in user mode since the boot began (or in a machine never booted
 * here) gets {@link CodeCache#HOT_C2_DIRECT}'s build (no tier-3 code, asked for C2 at a look, installed only with C2's
 * code); one promoted during the boot takes HotSpot's path; with the early look a kernel unit whose runs are long is
 * promoted after the early count, one whose runs are short, or a user-mode unit, only at the hot tier's threshold. The
 * hart goes on exactly as the interpreter throughout (HotTierTest's loop, compared with a reference hart).
 */
class HotTierC2KernelTest {
    /** Batches of whole loop iterations (HotTierTest's loop is three instructions), as HotTierC2DirectTest's. */
    private static final int LOOP_BATCH = 3 * 1365;
    private static final long HOT_AFTER = 100_000;

    private static Hart hart(BackgroundTranslator background, int priv) {
        Hart h = HotTierTest.hart(true, HOT_AFTER, background);
        h.codeCache.hotC2Direct = false; // (the user-mode rule: not what is tested here)
        h.codeCache.hotC2Kernel = 1;
        h.codeCache.hotC2KernelEarly = 0;
        h.codeCache.hotRecheck = 20_000;
        h.setPriv(priv);
        return h;
    }

    private static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(LOOP_BATCH, target - h.instret));
        assertEquals(target, h.instret);
    }

    /** The loop's C1 unit's instructions since its count began when {@link #runUntilBuilt} first saw its build waiting (-1: installed already). */
    private static long ranWhenBuilt;

    /** Runs {@code jit} until the loop's unit has a build (waiting or installed), comparing with {@code ref} now and then; returns the build. */
    private static TranslatedUnit runUntilBuilt(Hart jit, Hart ref) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            TranslatedUnit u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && (u.hot || u.promoted != null)) {
                ranWhenBuilt = u.hot ? -1 : jit.instret - u.hotSince;
                return u.hot ? u : u.promoted;
            }
            if (jit.instret % (50 * LOOP_BATCH) == 0) {
                runTo(ref, jit.instret);
                HotTierTest.assertSame(jit, ref);
            }
        }
        fail("no hot-tier build: " + jit.translationStats());
        return null;
    }

    private static void installedWithC2Code(BackgroundTranslator background, int priv) {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(background, priv), ref = HotTierTest.hart(false, 0, null);
        ref.setPriv(priv);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && u.hot) break;
            if (jit.instret % (100 * LOOP_BATCH) == 0) {
                runTo(ref, jit.instret);
                HotTierTest.assertSame(jit, ref);
            }
        }
        assertNotNull(u);
        assertTrue(u.hot, "never installed: " + jit.translationStats());
        assertEquals(HotSpotCompiler.TIER_C2, u.installedTier, "a kernel build after the boot took the C1 unit's place with C2's code only, never tier 3's");
        assertTrue(u.c2Asked && u.c2Requested, "queued for C2 through the API at a look");
        assertTrue(jit.codeCache.hotC2KernelDirect >= 1, "counted as a kernel build to C2 at once");
        assertEquals(0, jit.codeCache.hotC2KernelInBoot, "none counted as the boot's");
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        runTo(jit, jit.instret + 500_000);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertSame(u, jit.codeCache.unitAt(HotTierTest.KEY), "the hot unit runs on");
    }

    @Test
    void aSupervisorModeBuildOfTheTranslatorThreadGoesToC2AtOnce() {
        installedWithC2Code(new BackgroundTranslator("test-translator"), Hart.PRIV_S);
    }

    @Test
    void aMachineModeBuildMadeOnTheGuestsThreadGoesToC2AtOnce() {
        installedWithC2Code(null, Hart.PRIV_M);
    }

    /**
     * During a boot (from Hart#startBootTranslation until the hart first runs in user mode) a kernel unit's build takes
     * HotSpot's path; after the hart has been in user mode, the next kernel build goes to C2 at once. With {@code =boot}
     * the boot's builds go too.
     */
    @Test
    void theBootsKernelBuildsTakeHotSpotsPathUnlessBoot() {
        assertNotNull(HotSpotCompiler.get(), HotSpotCompiler.describe());
        Hart jit = hart(new BackgroundTranslator("test-translator"), Hart.PRIV_S), ref = HotTierTest.hart(false, 0, null);
        ref.setPriv(Hart.PRIV_S);
        jit.startBootTranslation(0, true);
        assertTrue(jit.codeCache.booting, "a boot begun (for the rule, with nothing else of the boot's rules on)");
        TranslatedUnit b = runUntilBuilt(jit, ref);
        assertFalse(b.c2Asked, "a kernel build of the boot is not for C2 at once");
        assertEquals(1, jit.codeCache.hotC2KernelInBoot, "counted as the boot's");
        assertEquals(0, jit.codeCache.hotC2KernelDirect);
        runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        // The boot reaches user space: the boot is over (and, without the switch, startBoot marks no boot at all).
        jit.setPriv(Hart.PRIV_U);
        assertFalse(jit.codeCache.booting, "the boot ended at the first user-mode run");
        jit.setPriv(Hart.PRIV_S);
        Hart off = HotTierTest.hart(true, HOT_AFTER, null);
        off.codeCache.hotC2Kernel = 0;
        off.startBootTranslation(0, true);
        assertFalse(off.codeCache.booting, "without the switch (or any boot rule) no boot is marked, as on main");
        // A second hart, after its boot: its kernel build goes to C2 at once.
        Hart after = hart(new BackgroundTranslator("test-translator-2"), Hart.PRIV_S), ref2 = HotTierTest.hart(false, 0, null);
        ref2.setPriv(Hart.PRIV_S);
        after.startBootTranslation(0, true);
        after.setPriv(Hart.PRIV_U);
        after.setPriv(Hart.PRIV_S);
        TranslatedUnit b2 = runUntilBuilt(after, ref2);
        assertTrue(b2.c2Asked, "a kernel build after the boot is for C2 at once");
        assertEquals(1, after.codeCache.hotC2KernelDirect);
        // =boot: the boot's kernel builds too.
        Hart always = hart(null, Hart.PRIV_S), ref3 = HotTierTest.hart(false, 0, null);
        ref3.setPriv(Hart.PRIV_S);
        always.codeCache.hotC2Kernel = 2;
        always.startBootTranslation(0, true);
        assertFalse(always.codeCache.booting, "=boot marks no boot");
        TranslatedUnit b3 = runUntilBuilt(always, ref3);
        assertTrue(b3.c2Asked, "with =boot a kernel build of the boot is for C2 at once");
        runTo(ref3, always.instret);
        HotTierTest.assertSame(always, ref3);
    }

    /**
     * The early look: with {@code hotC2KernelEarly} at 10,000 the loop (runs of a whole batch, thousands of
     * instructions) is promoted after ~10,000 of its instructions in supervisor mode, before the hot tier's threshold
     * (100,000 here); with a run-length bound above its runs, or in user mode, or during the boot, only at the
     * threshold; the hart stays in step with the interpreter either way.
     */
    @Test
    void theEarlyLookPromotesLongRunKernelUnitsOnly() {
        // Supervisor mode, long runs: promoted early.
        Hart early = hart(null, Hart.PRIV_S), ref = HotTierTest.hart(false, 0, null);
        ref.setPriv(Hart.PRIV_S);
        early.codeCache.hotC2KernelEarly = 10_000;
        early.codeCache.hotC2KernelRun = 256;
        runUntilBuilt(early, ref);
        assertEquals(1, early.codeCache.hotC2EarlyPromotions, "promoted at the early look");
        assertTrue(ranWhenBuilt >= 0 && ranWhenBuilt < HOT_AFTER / 2, "built long before the unit retired the hot tier's threshold: " + ranWhenBuilt);
        runTo(ref, early.instret);
        HotTierTest.assertSame(early, ref);
        // Runs shorter than the bound: on to the threshold.
        Hart shortRuns = hart(null, Hart.PRIV_S), ref2 = HotTierTest.hart(false, 0, null);
        ref2.setPriv(Hart.PRIV_S);
        shortRuns.codeCache.hotC2KernelEarly = 10_000;
        shortRuns.codeCache.hotC2KernelRun = 1_000_000;
        runUntilBuilt(shortRuns, ref2);
        assertEquals(0, shortRuns.codeCache.hotC2EarlyPromotions, "runs below the bound: no early promotion");
        assertTrue(ranWhenBuilt >= HOT_AFTER, "built at the threshold: " + ranWhenBuilt);
        runTo(ref2, shortRuns.instret);
        HotTierTest.assertSame(shortRuns, ref2);
        // User mode: on to the threshold (the early look is the kernel's).
        Hart user = hart(null, Hart.PRIV_U), ref3 = HotTierTest.hart(false, 0, null);
        ref3.setPriv(Hart.PRIV_U);
        user.codeCache.hotC2KernelEarly = 10_000;
        runUntilBuilt(user, ref3);
        assertEquals(0, user.codeCache.hotC2EarlyPromotions, "a user-mode unit: no early promotion");
        assertTrue(ranWhenBuilt >= HOT_AFTER, "built at the threshold: " + ranWhenBuilt);
        runTo(ref3, user.instret);
        HotTierTest.assertSame(user, ref3);
        // Without the switch the early count is not even set up.
        Hart off = hart(null, Hart.PRIV_S), ref4 = HotTierTest.hart(false, 0, null);
        ref4.setPriv(Hart.PRIV_S);
        off.codeCache.hotC2Kernel = 0;
        off.codeCache.hotC2KernelEarly = 10_000;
        runUntilBuilt(off, ref4);
        assertEquals(0, off.codeCache.hotC2EarlyPromotions);
        assertTrue(ranWhenBuilt >= HOT_AFTER, "built at the threshold: " + ranWhenBuilt);
        runTo(ref4, off.instret);
        HotTierTest.assertSame(off, ref4);
    }

    @Test
    void theSwitchsValues() {
        assertEquals(0, CodeCache.hotC2KernelMode("false"));
        assertEquals(0, CodeCache.hotC2KernelMode(null));
        assertEquals(1, CodeCache.hotC2KernelMode("true"));
        assertEquals(2, CodeCache.hotC2KernelMode("boot"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CodeCache.hotC2KernelMode("kernel"));
        assertTrue(e.getMessage().contains("hotC2Kernel"), e.getMessage());
        if (System.getProperty("vmckpt.jit.hotC2Kernel") == null) {
            Hart h = HotTierTest.hart(true, HOT_AFTER, null);
            assertEquals(0, h.codeCache.hotC2Kernel, "off by default");
            assertEquals(0, h.codeCache.hotC2KernelEarly, "the early look off by default");
        }
    }
}
