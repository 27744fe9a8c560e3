package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hot tier's size rule ({@link CodeCache#HOT_MAX_BYTECODE}): a unit whose class has more bytecode than the rule's
 * bound is never built for the hot tier. HotTierShareTest's guest (two loops X and Y, both retiring the hot tier's total
 * many times over): with a bound of 1 byte neither is promoted, both stay C1 code, and the hart's state is the
 * interpreter's; with a bound above both units' sizes both are promoted as without the rule.
 */
class HotTierMaxBytecodeTest {
    static Hart hart(boolean translate, int maxBytecode) {
        Hart h = HotTierShareTest.hart(translate, 0);
        if (translate) {
            h.codeCache.hotMinRun = 0;
            h.codeCache.hotBriefRunsPercent = 0; // (HotTierBriefRunTest tests that rule)
            h.codeCache.hotMaxBytecode = maxBytecode;
        }
        return h;
    }

    @Test
    void aUnitOverTheBoundIsNotPromoted() {
        Hart jit = hart(true, 1), ref = hart(false, 0);
        HotTierShareTest.run(jit, ref, 8_000_000);
        assertFalse(HotTierShareTest.hotIn(jit, HotTierShareTest.Y), "Y stayed C1 code: " + jit.translationStats());
        assertFalse(HotTierShareTest.hotIn(jit, HotTierShareTest.X), "X stayed C1 code: " + jit.translationStats());
        assertTrue(jit.codeCache.hotTooLarge >= 2, "the rule kept both out: " + jit.codeCache.hotTooLarge);
    }

    @Test
    void unitsUnderTheBoundArePromoted() {
        Hart jit = hart(true, 1_000_000), ref = hart(false, 0);
        HotTierShareTest.run(jit, ref, 8_000_000);
        assertTrue(HotTierShareTest.hotIn(jit, HotTierShareTest.Y), "Y: " + jit.translationStats());
        assertTrue(HotTierShareTest.hotIn(jit, HotTierShareTest.X), "X: " + jit.translationStats());
        assertEquals(0, jit.codeCache.hotTooLarge);
    }
}
