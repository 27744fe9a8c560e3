package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The warmed timed look ({@link CodeCache#warmedCompiledNow}: loopPrologue's builds; round 74's
 * {@code -Dvmckpt.jit.hotLookWarm} for every look, retired in round 83): the look at a waiting build calls it once untimed
 * and times the second call, so a build whose code is compiled but
 * whose first call after a pause is slow (its code and data cold: 1-5 us in the CPU benchmark's gzip part, against the
 * look's 400 ns bound) is installed, and a build that runs in HotSpot's interpreter (every call slow) still is not.
 *
 * <p>The first two tests use a stand-in unit whose call after a pause is slow (a busy wait of 50 us, far over the bound)
 * and whose next call returns at once: with the single timed call ({@link CodeCache#compiledNow}) every look finds it
 * "not compiled"; the warmed look ({@link CodeCache#warmedCompiledNow}) finds it compiled. (Taking the warming call out
 * of {@code warmedCompiledNow} makes the first fail, checked.) Several looks are allowed for the fast call, since a
 * descheduled thread can make any one call slow on a loaded host; no time is asserted.
 */
class HotLookWarmTest {
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
}
