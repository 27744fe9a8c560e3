package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link CrossPageUnitInvalidationTest}'s scenarios (a write to the second page, its remap with sfence.vma, a satp
 * switch, a restore, exact budgets: the unit that holds both pages must never run the second page's old code) with the
 * hot tier promoting early and {@link Translator#crossOnce} on: a unit that remembers a passed check of the second
 * page must still see every change of it (round 68).
 */
class CrossOnceUnitInvalidationTest extends CrossPageUnitInvalidationTest {
    private static long before = -1;

    @BeforeEach
    void on() {
        if (before < 0) before = Translator.crossOnceUnits.get();
        Translator.crossOnce = true;
    }

    @AfterEach
    void off() {
        Translator.crossOnce = Boolean.getBoolean("vmckpt.jit.crossOnce");
    }

    @AfterAll
    static void someHotBuildKeptTheCheck() {
        assertTrue(Translator.crossOnceUnits.get() > before, "no hot build with the switch's local ran");
    }

    @Override
    Hart hart(boolean translate) {
        Hart h = super.hart(translate);
        if (!translate) return h;
        h.setPromotionThreshold(2_000);
        h.codeCache.hotMinRun = 0;
        return h;
    }
}
