package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The warmed timed look ({@link CodeCache#hotLookWarm}, {@code -Dvmckpt.jit.hotLookWarm=true}, round 74): the hot tier's
 * timed look at a waiting build calls it once untimed and times the second call, so a build whose code is compiled but
 * whose first call after a pause is slow (its code and data cold: 1-5 us in the CPU benchmark's gzip part, against the
 * look's 400 ns bound) is installed, and a build that runs in HotSpot's interpreter (every call slow) still is not.
 *
 * <p>The first two tests use a stand-in unit whose call after a pause is slow (a busy wait of 50 us, far over the bound)
 * and whose next call returns at once: with the single timed call ({@link CodeCache#compiledNow}) every look finds it
 * "not compiled"; the warmed look ({@link CodeCache#warmedCompiledNow}) finds it compiled. (Taking the warming call out
 * of {@code warmedCompiledNow} makes the first fail, checked.) Several looks are allowed for the fast call, since a
 * descheduled thread can make any one call slow on a loaded host; no time is asserted. The third runs HotTierTest's loop
 * with the switch on in the cache: the build is installed through the warmed look and the hart goes on in step with
 * the interpreter; with {@code =user} ({@link CodeCache#hotLookWarmUserOnly}) the same in user mode, and in supervisor
 * mode no look is warmed.
 */
class HotLookWarmTest {
    /** Batches of whole loop iterations (HotTierTest's loop is three instructions), as HotTierC2DirectTest's. */
    private static final int LOOP_BATCH = 3 * 1365;

    /** A stand-in for a build: its first call after {@link #pause} is slow, the next one returns at once. */
    static final class ColdFirstCall extends TranslatedUnit {
        boolean cold = true;
        int calls;
        final boolean interpreted;

        ColdFirstCall(boolean interpreted) {
            this.interpreted = interpreted;
        }

        void pause() {
            cold = true;
        }

        @Override
        public int run(Hart h, int budget) {
            calls++;
            if (cold || interpreted) {
                long until = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(50);
                while (System.nanoTime() < until) Thread.onSpinWait();
                cold = false;
            }
            return 0;
        }
    }

    @Test
    void aCompiledBuildWhoseFirstCallIsColdIsFoundCompiledByTheWarmedLook() {
        ColdFirstCall u = new ColdFirstCall(false);
        boolean found = false;
        for (int look = 0; look < 20 && !found; look++) {
            u.pause();
            found = CodeCache.warmedCompiledNow(u, null);
        }
        assertTrue(found, "20 warmed looks at a compiled build whose first call is cold never found it compiled");
        assertTrue(u.compiled);
        // The single timed call meets the cold call every time: the build waits (what the switch is for).
        ColdFirstCall v = new ColdFirstCall(false);
        for (int look = 0; look < 20; look++) {
            v.pause();
            assertFalse(CodeCache.compiledNow(v, null, CodeCache.LOOK_TIMED), "the single timed call timed a cold call as compiled");
        }
        assertFalse(v.compiled);
    }

    @Test
    void anInterpretedBuildIsNotFoundCompiledByTheWarmedLook() {
        ColdFirstCall u = new ColdFirstCall(true);
        for (int look = 0; look < 20; look++) {
            u.pause();
            assertFalse(CodeCache.warmedCompiledNow(u, null), "a build whose every call is slow counted as compiled");
        }
        assertFalse(u.compiled);
        assertEquals(40, u.calls, "two calls per warmed look");
    }

    @Test
    void theLoopsBuildIsInstalledThroughTheWarmedLookAndGoesOnAsTheInterpreter() {
        warmedInstall(Hart.PRIV_M, false);
    }

    @Test
    void withUserOnlyALoopInUserModeIsInstalledThroughTheWarmedLook() {
        warmedInstall(Hart.PRIV_U, true);
    }

    @Test
    void withUserOnlyALoopInSupervisorModeIsNotLookedAtWarmed() {
        Hart jit = HotTierTest.hart(true, 100_000, new BackgroundTranslator("test-translator"));
        Hart ref = HotTierTest.hart(false, 0, null);
        jit.setPriv(Hart.PRIV_S); // (bare addressing: the loop touches no memory)
        ref.setPriv(Hart.PRIV_S);
        jit.codeCache.hotLookWarm = true;
        jit.codeCache.hotLookWarmUserOnly = true;
        jit.codeCache.hotLook = CodeCache.LOOK_TIMED;
        jit.codeCache.hotRecheck = 20_000; // (looks every 20,000 instructions of the unit)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120); // a watchdog, not a measure
        TranslatedUnit build = null;
        while (System.nanoTime() < deadline && build == null) {
            jit.run(LOOP_BATCH);
            TranslatedUnit u = jit.codeCache.unitAt(HotTierTest.KEY);
            if (u != null) build = u.hot ? u : u.promoted; // (the build, waiting or installed)
        }
        assertNotNull(build, "no hot-tier build: " + jit.translationStats());
        for (long end = jit.instret + 4_000_000; jit.instret < end; ) jit.run(LOOP_BATCH); // (200 looks, or installed)
        assertEquals(0, jit.codeCache.hotWarmLookInstalls, "a look in supervisor mode was warmed with =user");
        HotTierTest.runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
    }

    private static void warmedInstall(int priv, boolean userOnly) {
        Hart jit = HotTierTest.hart(true, 100_000, new BackgroundTranslator("test-translator"));
        Hart ref = HotTierTest.hart(false, 0, null);
        jit.setPriv(priv); // (user mode too: bare addressing, the loop touches no memory)
        ref.setPriv(priv);
        jit.codeCache.hotLookWarm = true;
        jit.codeCache.hotLookWarmUserOnly = userOnly;
        jit.codeCache.hotLook = CodeCache.LOOK_TIMED; // (whatever the test JVM's look: the switch is the timed look's)
        HotTierTest.runUntilPromoted(jit, ref);
        assertTrue(jit.codeCache.hotWarmLookInstalls >= 1, "installed, but not by a warmed look: " + jit.translationStats());
        HotTierTest.runTo(jit, jit.instret + 1_000_000);
        HotTierTest.runTo(ref, jit.instret);
        HotTierTest.assertSame(jit, ref);
        assertTrue(jit.codeCache.unitAt(HotTierTest.KEY).hot);
    }
}
