package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A straight line longer than the instruction limit (64) is cut into units of up to
 * {@link Translator#MAX_STRAIGHT_INSTRUCTIONS}, not 64, and a straight line that runs into the head of a loop stops
 * there and takes in that loop ({@link Translator#LINE_INTO_LOOP}, round 25), so that its iterations run in the unit.
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

    /**
     * 0: an outer loop: 40 additions to x7, then an inner loop of 100 instructions (x6 counts it down from 8), then 400
     * additions to x8 and the jump back to 0 (542 instructions: longer than a loop region may be).
     */
    static Hart lineLoopLine(boolean translated, int[] innerHead) {
        Hart h = hart(translated);
        h.setTranslationThreshold(1);
        GuestMemory mem = h.bus().ram();
        int n = 0;
        for (int k = 0; k < 40; k++) mem.write32(BASE + 4L * n++, addi(7, 7, 1));
        mem.write32(BASE + 4L * n++, addi(6, 0, 8));
        int inner = n;
        innerHead[0] = inner;
        for (int k = 0; k < 98; k++) mem.write32(BASE + 4L * n++, addi(5, 5, 1));
        mem.write32(BASE + 4L * n++, addi(6, 6, -1));
        mem.write32(BASE + 4L * n, b(-4 * (n - inner), 0, 6, 1)); // bne x6, x0, inner
        n++;
        for (int k = 0; k < 400; k++) mem.write32(BASE + 4L * n++, addi(8, 8, 1));
        mem.write32(BASE + 4L * n, j(-4 * n, 0));
        h.pc = BASE;
        return h;
    }

    @Test
    void aStraightLineTakesInTheLoopItRunsInto() {
        // The line stops at the loop's head (the loop is not a line's), and with Translator.LINE_INTO_LOOP the unit
        // then holds the loop too: the line and the loop's 8 iterations are one unit run (until round 25: two units,
        // the line's (41 instructions) and the loop's).
        int[] inner = new int[1];
        Hart h = lineLoopLine(true, inner);
        for (int k = 0; k < 200; k++) h.run(4096);
        TranslatedUnit outer = h.codeCache.unitAt(0);
        assertNotNull(outer, "a unit at 0: " + h.translationStats());
        assertEquals(141, outer.instructionCount, "the line before the loop, and the loop");
        TranslatedUnit loop = h.codeCache.unitAt(4L * inner[0]);
        if (loop != null) assertEquals(100, loop.instructionCount, "the loop's own unit (where a batch ended in it)");
        // Both engines agree at every count, with budgets that cut the line, the loop and the line after it anywhere.
        Hart jit = lineLoopLine(true, inner), ref = lineLoopLine(false, inner);
        java.util.Random rnd = new java.util.Random(25);
        for (int k = 0; k < 5_000; k++) {
            jit.run(1 + rnd.nextInt(k % 2 == 0 ? 50 : 1500));
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertEquals(ref.instret, jit.instret, "instret");
            assertEquals(ref.pc, jit.pc, "pc at " + jit.instret);
            assertArrayEquals(ref.x, jit.x, "registers at " + jit.instret);
        }
        assertTrue(jit.translationStats().translatedInstructionsRun() > jit.instret / 2, "mostly translated: " + jit.translationStats());
    }
}
