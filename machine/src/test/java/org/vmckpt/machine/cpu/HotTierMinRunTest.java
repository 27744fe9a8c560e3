package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot tier's run-length rule ({@link CodeCache#HOT_MIN_RUN}): a unit is built for the hot tier only if it retired at
 * least hotMinRun instructions per run on average. HotTierTwoLoopsTest's guest: a loop calls X (a 4-iteration loop, ~14
 * instructions per run of its unit) and Y (400 iterations, ~1,200 per run); both retire the hot tier's total many times
 * over. With the rule at 64, Y is promoted and X never (it stays C1 code); without it both are; the hart's state is the
 * interpreter's either way.
 */
class HotTierMinRunTest {
    static Hart hart(boolean translate, long minRun) {
        Hart h = HotTierTwoLoopsTest.hart(translate);
        if (translate) h.codeCache.hotMinRun = minRun;
        return h;
    }

    @Test
    void aUnitOfShortRunsIsNotPromoted() {
        Hart jit = hart(true, 64), ref = hart(false, 0);
        HotTierTwoLoopsTest.run(jit, ref, 8_000_000);
        assertTrue(HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.Y), "the long-run loop was promoted: " + jit.translationStats());
        assertFalse(HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.X), "the short-run loop was not: " + jit.translationStats());
        assertTrue(jit.codeCache.hotShortRuns >= 1, "the rule kept it out: " + jit.codeCache.hotShortRuns);
    }

    @Test
    void withoutTheRuleBothArePromoted() {
        Hart jit = hart(true, 0), ref = hart(false, 0);
        HotTierTwoLoopsTest.run(jit, ref, 8_000_000);
        assertTrue(HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.Y));
        assertTrue(HotTierTwoLoopsTest.hotIn(jit, HotTierTwoLoopsTest.X), "the rule is what keeps X out: " + jit.translationStats());
        assertEquals(0, jit.codeCache.hotShortRuns);
    }
}
