package org.vmckpt.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The translator tests' warm-up: run a hart translated until its loop runs in units, then stop at a given address with
 * a unit of its own there. Which entry of a loop gets hot first depends on when HotSpot compiled the first units (the
 * dispatcher's timed probe), so on a busy machine a unit at another entry can take the whole loop before the address a
 * test looks at has heat of its own (CI of 2026-12-03: no unit at a loop's head). Batches that start at an address are
 * visits there, one heat each, so a few dozen of them give it its unit.
 */
final class UnitWarmUp {
    private UnitWarmUp() {}

    /** Runs {@code jit} until it has run {@code translated} instructions in units (or gave up after 16 M instructions). */
    static void runTranslated(Hart jit, long translated) {
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 4_000 && jit.translationStats().translatedInstructionsRun() < translated; k++) jit.run(4096);
    }

    /** Steps {@code jit} (one instruction a batch) until it stands at {@code pc}; fails if it does not get there. */
    static void stepTo(Hart jit, long pc) {
        for (int k = 0; k < 10 && jit.pc != pc; k++) jit.run(4096);
        for (int k = 0; k < 1_000 && jit.pc != pc; k++) jit.run(1);
        assertEquals(pc, jit.pc, "at " + Long.toHexString(pc));
    }

    /**
     * Leaves {@code jit} standing at {@code pc} with a unit there (RAM key {@code pc - ramBase}), marked compiled so that
     * the dispatcher runs it without HotSpot's probe; returns it. Fails, naming what the table holds, if none appears.
     */
    static TranslatedUnit unitAt(Hart jit, long pc, long ramBase) {
        stepTo(jit, pc);
        for (int visit = 0; visit < 64 && jit.codeCache.unitAt(pc - ramBase) == null; visit++) {
            jit.run(1);
            stepTo(jit, pc);
        }
        TranslatedUnit u = jit.codeCache.unitAt(pc - ramBase);
        if (u == null) {
            StringBuilder sb = new StringBuilder("no unit at " + Long.toHexString(pc) + " after the warm-up; " + jit.translationStats());
            for (long k = 0; k < 0x4000; k += 2) {
                TranslatedUnit o = jit.codeCache.unitAt(k);
                if (o != null) sb.append(String.format("%n  unit at %#x: %d insns, dead %b, compiled %b, %s", k, o.instructionCount, o.dead, o.compiled, o.getClass().getSimpleName()));
            }
            fail(sb.toString());
        }
        u.compiled = true;
        return u;
    }
}
