package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A {@code jalr} exit's second way (CodeCache#jalrSecondWay): a loop calls a function two pages away from two places in
 * turn, so the function's return (its {@code jalr}, a unit exit) goes to one return point and then the other. With one
 * way per exit the chain slot names the return point taken last and misses every time (the dispatcher looks the unit up
 * each return); with the second way the return runs chained. Both harts retire exactly the interpreter's state, at every
 * budget, and a write to a return point's page stops the chain into it.
 */
class JalrSecondWayTest {
    static final long BASE = 0x8000_0000L, F = BASE + 0x2000;

    static Hart hart(boolean translate, boolean secondWay) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        if (translate) {
            h.setTranslationThreshold(1);
            h.codeCache.jalrSecondWay = secondWay;
            h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        }
        GuestMemory m = h.bus().ram();
        int[] loop = {
                j(0x2000, 1),              // 0:  jal ra, F
                addi(5, 5, 1),             // 4:  x5 += 1 (return point A)
                j(0x2000 - 8, 1),          // 8:  jal ra, F
                addi(6, 6, 1),             // 12: x6 += 1 (return point B)
                j(-16, 0)};                // 16: j 0
        for (int k = 0; k < loop.length; k++) m.write32(BASE + 4L * k, loop[k]);
        m.write32(F, addi(7, 7, 1));      // F: x7 += 1
        m.write32(F + 4, i(0, 1, 0, 0, 0x67)); // jalr x0, 0(ra)
        h.pc = BASE;
        return h;
    }

    /** Unit runs and of them lookups (the rest chained) over {@code batches} batches after a warm-up. */
    static long[] runsAndLookups(Hart h, int batches) {
        for (int k = 0; k < 20_000 && h.translationStats().chainedRuns() < 20_000; k++) h.run(4096);
        CodeCache.Stats s0 = h.translationStats();
        assertTrue(s0.chainedRuns() >= 20_000, "units ran chained: " + s0);
        for (int k = 0; k < batches; k++) h.run(4096);
        CodeCache.Stats s1 = h.translationStats();
        long runs = s1.unitRuns() - s0.unitRuns();
        return new long[] {runs, runs - (s1.chainedRuns() - s0.chainedRuns())};
    }

    @Test
    void returnsToTwoCallersRunChainedWithTheSecondWay() {
        long[] one = runsAndLookups(hart(true, false), 200);
        long[] two = runsAndLookups(hart(true, true), 200);
        // One way: both returns of every iteration are looked up (2 of its 5 unit runs).
        assertTrue(one[1] > one[0] / 4, "one way: lookups " + one[1] + " of " + one[0] + " unit runs");
        // Two ways: a lookup per batch start at most (each batch begins with one), and the few while the ways fill.
        assertTrue(two[0] > 100_000, "unit runs " + two[0]);
        assertTrue(two[1] < two[0] / 100, "two ways: lookups " + two[1] + " of " + two[0] + " unit runs");
    }

    @Test
    void theSecondWayRetiresExactlyAsTheInterpreter() {
        for (int budget : new int[] {1, 2, 3, 5, 7, 13, 100, 4096}) {
            Hart jit = hart(true, true), ref = hart(false, false);
            for (int k = 0; k < 300; k++) {
                jit.run(4096);
                long before = jit.instret;
                jit.run(budget);
                assertEquals(before + budget, jit.instret, "budget " + budget);
            }
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertState(jit, ref);
        }
    }

    @Test
    void aWriteToAReturnPointStopsTheChainIntoIt() {
        Hart jit = hart(true, true), ref = hart(false, false);
        runsAndLookups(jit, 10);
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertState(jit, ref);
        for (Hart h : new Hart[] {jit, ref}) h.bus().ram().write32(BASE + 12, addi(6, 6, 100)); // return point B: x6 += 100
        long target = jit.instret + 1_000_000;
        while (jit.instret < target) jit.run((int) Math.min(4096, target - jit.instret));
        while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
        assertState(jit, ref);
        assertTrue(jit.x[6] > 100 * 1000, "the new code ran: x6 = " + jit.x[6]);
    }

    static void assertState(Hart jit, Hart ref) {
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 5; r <= 7; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }
}
