package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A straight line longer than the instruction limit (64) is cut into units of up to
 * {@link Translator#MAX_STRAIGHT_INSTRUCTIONS}, not 64, and a straight line that runs into the head of a loop stops
 * there, so that the loop's own unit runs it from its first iteration.
 */
class StraightRegionTest {
    static final long BASE = 0x8000_0000L;

    static Hart hart(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        return h;
    }

    /** A loop of 600 instructions (longer than a loop region may be): 599 additions and a jump back. */
    static Hart longLoop(boolean translated) {
        Hart h = hart(translated);
        GuestMemory mem = h.bus().ram();
        int body = 599;
        for (int k = 0; k < body; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * body, j(-4 * body, 0));
        h.pc = BASE;
        return h;
    }

    @Test
    void aLongStraightLineIsCutIntoLongerUnits() {
        Hart jit = longLoop(true);
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 4_000 && jit.translationStats().translatedInstructionsRun() < 2_000_000; k++) jit.run(4096);
        TranslatedUnit head = jit.codeCache.unitAt(0);
        assertNotNull(head, "a unit at the loop's head");
        assertEquals(Translator.MAX_STRAIGHT_INSTRUCTIONS, head.instructionCount, "the straight line up to the bound");
        CodeCache.Stats s0 = jit.translationStats();
        long before = jit.instret;
        for (int k = 0; k < 100; k++) jit.run(4096);
        CodeCache.Stats s = jit.translationStats();
        long retired = jit.instret - before, runs = s.unitRuns() - s0.unitRuns();
        assertTrue(s.translatedInstructionsRun() - s0.translatedInstructionsRun() > 0.95 * retired, "translated: " + s);
        // An iteration (600 instructions) is 3 units (256, 256, 88), 10 with units of 64; a batch may add one more.
        assertTrue(runs * 600 <= retired * 4, "unit runs " + runs + " for " + retired + " instructions");
        Hart ref = longLoop(false);
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.pc, jit.pc, "pc");
        assertEquals(ref.x[5], jit.x[5], "x5");
    }

    @Test
    void aStraightLineStopsAtTheHeadOfALoop() {
        // 0: an outer loop: 40 additions to x7, then an inner loop of 100 instructions (x6 counts it down from 8), then
        // 400 additions to x8 and the jump back to 0 (542 instructions: longer than a loop region may be).
        Hart h = hart(true);
        h.setTranslationThreshold(1);
        GuestMemory mem = h.bus().ram();
        int n = 0;
        for (int k = 0; k < 40; k++) mem.write32(BASE + 4L * n++, addi(7, 7, 1));
        mem.write32(BASE + 4L * n++, addi(6, 0, 8));
        int inner = n;
        for (int k = 0; k < 98; k++) mem.write32(BASE + 4L * n++, addi(5, 5, 1));
        mem.write32(BASE + 4L * n++, addi(6, 6, -1));
        mem.write32(BASE + 4L * n, b(-4 * (n - inner), 0, 6, 1)); // bne x6, x0, inner
        n++;
        for (int k = 0; k < 400; k++) mem.write32(BASE + 4L * n++, addi(8, 8, 1));
        mem.write32(BASE + 4L * n, j(-4 * n, 0));
        h.pc = BASE;
        for (int k = 0; k < 200; k++) h.run(4096);
        TranslatedUnit outer = h.codeCache.unitAt(0), loop = h.codeCache.unitAt(4L * inner);
        assertNotNull(outer, "a unit at 0: " + h.translationStats());
        assertNotNull(loop, "a unit at the inner loop's head: " + h.translationStats());
        assertEquals(41, outer.instructionCount, "the line before the loop, and no more");
        assertEquals(100, loop.instructionCount, "the loop");
    }
}
