package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The hot tier's look at a waiting build that asks HotSpot ({@link CodeCache#HOT_LOOK}'s ask and hybrid forms): a build
 * with C2's code is installed at the next look however long a call of it would take, and a build with code counts as
 * such. (Round 25's {@code -Dvmckpt.jit.hotTier3}, tier 3 asked for through the API instead of the warm-up calls, and its
 * child-JVM test were retired in round 83.)
 */
class HotTierCompileTest {
    /**
     * A waiting hot-tier build that HotSpot has compiled with C2 is installed at the next look, however long a call of it
     * would take. Main's look timed a budget-0 call of the build once per 200,000 of the old unit's instructions and met
     * its code and data cold, microseconds against the 400 ns bound, so builds with C2's code stayed uninstalled to the
     * end of the run (docs/BENCHMARKS.md rounds 25 and 27). Here the build is compiled by C2 through the API, the
     * processor's caches are then filled with other data, as a run of the guest does between two looks, and the look must
     * install it. (With {@code -Dvmckpt.jit.hotLook=timed}, the timed call, this fails on this machine.)
     */
    @Test
    void aBuildWithC2CodeIsInstalledAtTheNextLook() throws Exception {
        HotSpotCompiler c = HotSpotCompiler.get();
        assertNotNull(c, HotSpotCompiler.describe());
        Hart jit = HotTierTest.hart(true, 100_000, null), ref = HotTierTest.hart(false, 0, null); // synchronous builds
        jit.codeCache.hotRecheck = Long.MAX_VALUE / 2; // one look, made by the test below
        if (System.getProperty("vmckpt.jit.hotLook") == null) jit.codeCache.hotLook = CodeCache.LOOK_HYBRID; // (off by default)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = unitWithBuild(jit, deadline);
        TranslatedUnit build = u.promoted;
        assertFalse(u.hot);
        // HotSpot's policy takes the build to C2 as it would in the guest's runs: real runs of it (tier 3's profile, then C2),
        // here on a hart of its own with the same code, which the one under test never sees.
        // On a loaded machine HotSpot's policy may leave the build at a C1 tier for minutes (it scales its thresholds
        // with the compile queues): after 30 s of runs the test asks for C2 through the API, since what it tests is the
        // look at a build that has C2's code, not HotSpot's policy.
        Hart scratch = HotTierTest.hart(false, 0, null);
        long byPolicy = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(30));
        boolean asked = false;
        while (c.tier(build) != HotSpotCompiler.TIER_C2 && System.nanoTime() < deadline) {
            if (!asked && System.nanoTime() > byPolicy) asked = c.request(build, HotSpotCompiler.TIER_C2);
            for (int k = 0; k < 1000; k++) {
                scratch.pc = HotTierTest.BASE;
                build.run(scratch, 999);
            }
        }
        assertEquals(HotSpotCompiler.TIER_C2, c.tier(build), "C2 did not compile the build");
        // The guest runs on between two looks: its data and other code push the build's out of the caches.
        evictCaches();
        u.untilHot = 0; // the look, at the unit's next entry
        while (jit.codeCache.unitAt(HotTierTest.KEY) == u && u.untilHot <= 0) jit.run(LOOP_BATCH);
        assertSame(build, jit.codeCache.unitAt(HotTierTest.KEY), "the build with C2's code was not installed: " + jit.translationStats());
        assertTrue(u.dead);
        HotTierTest.runTo(jit, jit.instret + 100_000);
        HotTierTest.runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
    }

    /**
     * {@code --stats} tells a waiting build that HotSpot has compiled from one without code (round 37: main's timed look
     * left 15 of the compute phase's 23 builds waiting with tier-3 code to the phase's end). The build is made, no look is
     * made at it, and it is compiled through the API: it counts as waiting with compiled code; once installed, as neither.
     */
    @Test
    void aWaitingBuildWithCodeIsCountedAsSuch() throws Exception {
        HotSpotCompiler c = HotSpotCompiler.get();
        assertNotNull(c, HotSpotCompiler.describe());
        Hart jit = HotTierTest.hart(true, 100_000, null);
        jit.codeCache.hotRecheck = Long.MAX_VALUE / 2; // no look but the test's own
        jit.codeCache.hotLook = CodeCache.LOOK_ASK;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit u = unitWithBuild(jit, deadline);
        TranslatedUnit build = u.promoted;
        for (long inside = HotTierTest.KEY + 4; inside < HotTierTest.KEY + 12; inside += 4) {
            assertNull(jit.codeCache.unitAt(inside), "a second unit in the loop, at " + inside); // (see LOOP_BATCH)
        }
        CodeCache.Stats before = jit.translationStats();
        if (c.tier(build) == 0) assertEquals(0, before.hotWaitingCompiled(), "no code yet: " + before); // (read after: code never goes back to none)
        c.requestTier3(build); // (false if the warm-up calls already had it compiled)
        while (c.tier(build) == 0 && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(c.tier(build) > 0, "the build was never compiled");
        CodeCache.Stats waiting = jit.translationStats();
        assertEquals(1, waiting.hotWaiting(), waiting.toString());
        assertEquals(1, waiting.hotWaitingCompiled(), waiting.toString());
        u.untilHot = 0; // the look, at the unit's next entry: it asks, so it installs the build
        while (jit.codeCache.unitAt(HotTierTest.KEY) == u && u.untilHot <= 0) jit.run(LOOP_BATCH);
        assertSame(build, jit.codeCache.unitAt(HotTierTest.KEY));
        CodeCache.Stats installed = jit.translationStats();
        assertEquals(0, installed.hotWaiting(), installed.toString());
        assertEquals(0, installed.hotWaitingCompiled(), installed.toString());
        assertEquals(1, installed.promotions(), installed.toString());
    }

    /** Touches 128 MiB, a line at a time (larger than this machine's caches). */
    static long evictCaches() {
        byte[] big = new byte[128 << 20];
        long sum = 0;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < big.length; i += 64) sum += big[i] += (byte) i;
        }
        return sum;
    }

    /**
     * Batches of whole loop iterations (the loop is three instructions), so that every batch starts at the loop's head:
     * a batch that began inside the loop would translate, and could promote, a second unit there, and the counts this
     * test asserts on would then hold that unit's build too (it did once, timing-dependent: hotWaiting 2).
     */
    private static final int LOOP_BATCH = 3 * 1365;

    /** Runs {@code jit} until the unit at {@link HotTierTest#KEY} has a hot-tier build waiting (or the deadline); returns it. */
    private static TranslatedUnit unitWithBuild(Hart jit, long deadline) {
        TranslatedUnit u = null;
        while (System.nanoTime() < deadline) {
            jit.run(LOOP_BATCH);
            u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null && u.promoted != null) break;
        }
        assertNotNull(u);
        assertNotNull(u.promoted, "no hot-tier build was made: " + jit.translationStats());
        return u;
    }
}
