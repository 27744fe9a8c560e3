package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Calls inside a unit (round 25): a loop that calls a function of its own page (or of the next page)
 * runs the call, the callee and the return inside one unit run, and goes exactly where the interpreter goes when the
 * callee changes its return address, when the callee's code is rewritten, and at any budget. Without the change every
 * iteration leaves the unit at the callee's {@code jalr} for the unit at the return point: two unit runs or more per
 * iteration.
 */
class CallsInUnitTest {
    static final long BASE = 0x8000_0000L;

    /**
     * The loop at {@code loop}: x6 -= 1; call f; x7 += x10; bne x6, x0, loop. f at {@code callee}: x9 = x6 & 7; unless
     * x9 is 0, skip; (else) ra += 4 (the return skips the add); x10 += 3; jalr x0, 0(ra).
     */
    static Hart hart(boolean translated, long loop, long callee) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        mem.write32(loop, addi(6, 6, -1));
        mem.write32(loop + 4, j((int) (callee - (loop + 4)), 1)); // jal ra, f
        mem.write32(loop + 8, add(7, 7, 10));
        mem.write32(loop + 12, b(-12, 0, 6, 1)); // bne x6, x0, loop
        mem.write32(loop + 16, j(0, 0)); // (not reached: x6 is large)
        mem.write32(callee, i(7, 6, 7, 9, 0x13)); // andi x9, x6, 7
        mem.write32(callee + 4, b(8, 0, 9, 1)); // bne x9, x0, +8
        mem.write32(callee + 8, addi(1, 1, 4)); // the return skips the add
        mem.write32(callee + 12, addi(10, 10, 3));
        mem.write32(callee + 16, i(0, 1, 0, 0, 0x67)); // jalr x0, 0(ra)
        h.x[6] = 1L << 40;
        h.pc = loop;
        return h;
    }

    /** Runs {@code jit} until it has run 200,000 instructions translated and stands at {@code loop}. */
    static void warmUp(Hart jit, long loop) {
        UnitWarmUp.runTranslated(jit, 200_000);
        UnitWarmUp.unitAt(jit, loop, BASE);
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    @Test
    void aCallAndItsReturnStayInsideOneUnitRun() {
        for (long[] at : new long[][] {{BASE + 0x100, BASE + 0x400}, {BASE + 0x400, BASE + 0x100}}) { // callee after, before
            Hart jit = hart(true, at[0], at[1]);
            warmUp(jit, at[0]);
            TranslatedUnit u = jit.codeCache.unitAt(at[0] - BASE);
            assertNotNull(u, "a unit at the loop's head");
            assertTrue(u.instructionCount >= 9, "the unit holds the loop and the callee: " + u.instructionCount);
            CodeCache.Stats s0 = jit.translationStats();
            long before = jit.instret;
            for (int k = 0; k < 100; k++) jit.run(4096);
            CodeCache.Stats s = jit.translationStats();
            long retired = jit.instret - before, runs = s.unitRuns() - s0.unitRuns(), iterations = retired / 8;
            // (Nearly all translated: the unit at the bne, where the returns past the add arrive, may still be waiting for
            // HotSpot's compile, and the interpreter runs that one instruction meanwhile.)
            assertTrue(s.translatedInstructionsRun() - s0.translatedInstructionsRun() > retired * 9 / 10, "translated: " + s);
            // One iteration in 8 returns past the add (to an offset that is no return point): it leaves the unit and
            // comes back through the unit at the bne. The others return inside the unit.
            assertTrue(runs < iterations / 2, "unit runs " + runs + " for " + iterations + " iterations");
            sameState(hart(false, at[0], at[1]), jit);
        }
    }

    @Test
    void everyBudgetGivesTheInterpretersState() {
        Hart jit = hart(true, BASE + 0x100, BASE + 0x400);
        warmUp(jit, BASE + 0x100);
        Hart ref = hart(false, BASE + 0x100, BASE + 0x400);
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
    }

    @Test
    void aRewrittenCalleeIsNotRunStale() {
        for (long callee : new long[] {BASE + 0x400, BASE + 0x1010}) { // the loop's page, the next page
            long loop = callee == BASE + 0x400 ? BASE + 0x100 : BASE + 0xff0;
            Hart jit = hart(true, loop, callee), ref = hart(false, loop, callee);
            warmUp(jit, loop);
            TranslatedUnit u = jit.codeCache.unitAt(loop - BASE);
            assertTrue(u.instructionCount >= 9, "the unit holds the loop and the callee: " + u.instructionCount);
            if (callee >= BASE + 0x1000) assertTrue(u.nextPageIndex >= 0, "the unit spans the callee's page");
            long invalidations = jit.translationStats().invalidations();
            sameState(ref, jit);
            // The callee now adds 5: both engines from the same instruction count.
            jit.bus().ram().write32(callee + 12, addi(10, 10, 5));
            ref.bus().ram().write32(callee + 12, addi(10, 10, 5));
            assertTrue(jit.translationStats().invalidations() > invalidations, "the callee's page was invalidated");
            assertTrue(u.dead, "the unit holding the callee is dropped");
            long x10 = jit.x[10];
            for (int k = 0; k < 200; k++) jit.run(4096);
            sameState(ref, jit);
            assertTrue(jit.x[10] - x10 > 5 * 1000, "the callee's new code ran");
        }
    }
}
