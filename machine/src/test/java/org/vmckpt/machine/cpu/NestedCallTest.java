package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Nested calls ({@link Translator#nestedCalls}): a loop that calls a function in another page calls the callee's unit
 * from inside its own and goes on at the return point when the callee comes back there, with the interpreter's state
 * whether the callee returns where the call linked or elsewhere, at every budget, and never runs a callee or a caller
 * whose code was rewritten. Without the change every call and every return goes back to the dispatcher (no nested call
 * is made): three of the four fail with {@link Translator#nestedCalls} false.
 */
class NestedCallTest {
    static final long BASE = 0x8000_0000L;

    // Nested calls are off by default (-Dvmckpt.jit.nestedCalls=true): on for this class's harts, which translate on
    // the test's thread.
    @org.junit.jupiter.api.BeforeAll
    static void nestedCallsOn() {
        Translator.nestedCalls = true;
    }

    @org.junit.jupiter.api.AfterAll
    static void nestedCallsAsConfigured() {
        Translator.nestedCalls = Boolean.getBoolean("vmckpt.jit.nestedCalls");
    }

    static final long LOOP = BASE + 0x100, CALLEE = BASE + 0x3000, DATA = BASE + 0x8000;

    /**
     * The loop: x6 -= 1; call f; x7 += x10; bne x6, x0, loop. f (two pages away): x9 = x6 & 7; unless x9 is 0, skip
     * to the add; (else) ra += 4 (the return skips the caller's add) and store x12 at 0(x11); x10 += 3; jalr x0, 0(ra).
     */
    static Hart hart(boolean translated, long storeAt, int stored) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        mem.write32(LOOP, addi(6, 6, -1));
        mem.write32(LOOP + 4, j((int) (CALLEE - (LOOP + 4)), 1)); // jal ra, f
        mem.write32(LOOP + 8, add(7, 7, 10));
        mem.write32(LOOP + 12, b(-12, 0, 6, 1)); // bne x6, x0, loop
        mem.write32(LOOP + 16, j(0, 0)); // (not reached: x6 is large)
        mem.write32(CALLEE, i(7, 6, 7, 9, 0x13)); // andi x9, x6, 7
        mem.write32(CALLEE + 4, b(12, 0, 9, 1)); // bne x9, x0, +12
        mem.write32(CALLEE + 8, addi(1, 1, 4)); // the return skips the caller's add
        mem.write32(CALLEE + 12, sw(12, 11, 0));
        mem.write32(CALLEE + 16, addi(10, 10, 3));
        mem.write32(CALLEE + 20, i(0, 1, 0, 0, 0x67)); // jalr x0, 0(ra)
        h.x[6] = 1L << 40;
        h.x[11] = storeAt;
        h.x[12] = stored;
        h.pc = LOOP;
        return h;
    }

    static Hart hart(boolean translated) {
        return hart(translated, DATA, 0);
    }

    /** Runs {@code jit} until it has run 200,000 instructions translated, then on to the loop's head. */
    static void warmUp(Hart jit) {
        UnitWarmUp.runTranslated(jit, 200_000);
        // (The dispatcher and the nested calls run them without HotSpot's probe.)
        UnitWarmUp.unitAt(jit, CALLEE, BASE);
        UnitWarmUp.unitAt(jit, LOOP, BASE);
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        assertEquals(ref.bus().ram().read64(DATA), jit.bus().ram().read64(DATA), "memory");
    }

    @Test
    void theCallerGoesOnAtItsReturnPointAfterTheCallee() {
        Hart jit = hart(true);
        warmUp(jit);
        TranslatedUnit caller = jit.codeCache.unitAt(LOOP - BASE);
        assertTrue(caller.instructionCount >= 4, "the unit holds the call's return point: " + caller.instructionCount);
        long calls0 = jit.nestedCalls, returns0 = jit.nestedReturns, before = jit.instret;
        CodeCache.Stats s0 = jit.translationStats();
        for (int k = 0; k < 100; k++) jit.run(4096);
        long iterations = (jit.instret - before) / 9;
        CodeCache.Stats s = jit.translationStats();
        assertTrue(s.translatedInstructionsRun() - s0.translatedInstructionsRun() > (jit.instret - before) * 9 / 10, "translated: " + s);
        // 7 iterations in 8 return to the return point (the 8th returns past the add, which no unit of the caller holds
        // as a return point: the caller leaves and the dispatcher goes on from the callee's exit).
        assertTrue(jit.nestedReturns - returns0 > iterations / 2, "nested returns " + (jit.nestedReturns - returns0)
                + " (calls " + (jit.nestedCalls - calls0) + ") for " + iterations + " iterations");
        assertTrue(jit.nestedCalls - calls0 > jit.nestedReturns - returns0, "some calls came back elsewhere");
        sameState(hart(false), jit);
    }

    @Test
    void everyBudgetGivesTheInterpretersState() {
        Hart jit = hart(true);
        warmUp(jit);
        Hart ref = hart(false);
        for (int budget = 1; budget <= 40; budget++) {
            long calls0 = jit.nestedCalls;
            for (int k = 0; k < 3; k++) {
                jit.run(budget);
                sameState(ref, jit);
            }
            if (budget >= 16) assertTrue(jit.nestedCalls > calls0, "nested calls at budget " + budget);
        }
    }

    @Test
    void aRewrittenCalleeIsNotRunStale() {
        Hart jit = hart(true), ref = hart(false);
        warmUp(jit);
        sameState(ref, jit);
        TranslatedUnit callee = jit.codeCache.unitAt(CALLEE - BASE);
        long calls0 = jit.nestedCalls;
        for (int k = 0; k < 10; k++) jit.run(4096);
        assertTrue(jit.nestedCalls > calls0, "the callee was called nested");
        sameState(ref, jit);
        // The callee now adds 5 (the caller's chain slot still names the old unit): both engines at the same count.
        jit.bus().ram().write32(CALLEE + 16, addi(10, 10, 5));
        ref.bus().ram().write32(CALLEE + 16, addi(10, 10, 5));
        assertTrue(callee.dead, "the callee's unit is dropped");
        long x10 = jit.x[10];
        for (int k = 0; k < 200; k++) jit.run(4096);
        sameState(ref, jit);
        assertTrue(jit.x[10] - x10 > 5 * 1000, "the callee's new code ran");
    }

    @Test
    void aCalleeThatRewritesItsCallerLeavesItForTheNewCode() {
        // The callee stores `sub x7, x7, x10` over the caller's add (in the caller's unit, after the call) every 8th call.
        int sub = r(0x20, 10, 7, 0, 7, 0x33);
        Hart jit = hart(true, LOOP + 8, sub), ref = hart(false, LOOP + 8, sub);
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 100; k++) {
            jit.run(4096);
            if (k % 10 == 9) sameState(ref, jit);
        }
        sameState(ref, jit);
        assertEquals(sub, jit.bus().ram().read32(LOOP + 8), "the code was rewritten");
        assertTrue(jit.translationStats().invalidations() > 0, "the caller's page was invalidated");
    }
}
