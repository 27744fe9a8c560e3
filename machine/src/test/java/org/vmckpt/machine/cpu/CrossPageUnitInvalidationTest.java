package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link ChainedUnitInvalidationTest}'s scenarios with A and B in adjacent pages, where one unit holds the code of
 * both: a write to B's page, a remap of B's virtual page (sfence.vma of that page, or of all), a satp switch and a
 * restore must each stop the unit from running the code it translated from B, and the translated hart must go on
 * exactly as the interpreter does. (It fails if a write to the second page does not drop the unit, or if the unit
 * enters the second page without checking the fetch TLB's mapping of it.)
 */
class CrossPageUnitInvalidationTest extends ChainedUnitInvalidationTest {
    @Override
    int gap() {
        return 1;
    }

    /** Unit runs, once a unit holding both pages' code was built (A's and B's code then run in one unit). */
    @Override
    long linkedRuns(Hart h) {
        CodeCache.Stats s = h.translationStats();
        return s.crossPageUnits() == 0 ? 0 : s.unitRuns();
    }

    @Test
    void aWriteToTheSecondPageRebuildsTheUnitThatHoldsIt() {
        Hart jit = hart(true), ref = hart(false);
        warmUp(jit, ref);
        long built = jit.translationStats().crossPageUnits();
        step(jit, ref, h -> put(mem(h), CODE_B, B2), 2_000_000);
        assertTrue(jit.translationStats().crossPageUnits() > built, "a unit holding both pages was built again: " + jit.translationStats());
        assertTrue(jit.translationStats().invalidations() >= 1, jit.translationStats().toString());
        step(jit, ref, h -> put(mem(h), CODE_A, A), 2_000_000); // a write to the first page (same bytes)
    }
}
