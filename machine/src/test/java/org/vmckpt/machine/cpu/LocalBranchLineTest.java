package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A straight line with local branches in it (small loops and short forward skips, {@link Translator#LOCAL_BRANCH_BYTES})
 * is one unit of up to {@link Translator#MAX_STRAIGHT_INSTRUCTIONS}, not a chain of 64-instruction units: the shape of
 * the signed guest's ECDSA code (rows of 4-word add/subtract loops with carry checks between straight code).
 */
class LocalBranchLineTest {
    static final long BASE = 0x8000_0000L;
    static final int GROUPS = 40;

    /**
     * A loop of 40 groups (681 instructions: longer than a loop region may be), each 10 additions to x7, a loop of 3
     * instructions run 4 times (x6 counts down, x5 counts up), and a forward skip over one addition to x8 taken when x5
     * is even; then a jump back to the start.
     */
    static Hart program(boolean translated, int localBytes) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        if (translated) h.codeCache.localBranchBytes = localBytes;
        GuestMemory mem = h.bus().ram();
        int n = 0;
        for (int g = 0; g < GROUPS; g++) {
            for (int k = 0; k < 10; k++) mem.write32(BASE + 4L * n++, addi(7, 7, 1));
            mem.write32(BASE + 4L * n++, addi(6, 0, 4));
            int loop = n;
            mem.write32(BASE + 4L * n++, addi(5, 5, 1));
            mem.write32(BASE + 4L * n++, addi(6, 6, -1));
            mem.write32(BASE + 4L * n, b(-4 * (n - loop), 0, 6, 1)); // bne x6, x0, loop
            n++;
            mem.write32(BASE + 4L * n++, i(1, 5, 7, 9, 0x13)); // andi x9, x5, 1
            mem.write32(BASE + 4L * n++, b(8, 0, 9, 0)); // beq x9, x0, +8
            mem.write32(BASE + 4L * n++, addi(8, 8, 1));
        }
        mem.write32(BASE + 4L * n, j(-4 * n, 0));
        h.pc = BASE;
        return h;
    }

    /**
     * Runs the translated program until its units are built, then windows of 100 batches until one runs more than 95%
     * of its instructions translated (a loaded host may still be building a unit after the first 2 M instructions; how
     * long the translator thread takes is the host's, not the property's): {unit runs, instructions retired} of that
     * window. Fails if 50 windows in a row stay below 95%.
     */
    static long[] steadyState(Hart jit) {
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 4_000 && jit.translationStats().translatedInstructionsRun() < 2_000_000; k++) jit.run(4096);
        CodeCache.Stats s0 = null, s = null;
        long retired = 0;
        for (int window = 0; window < 50; window++) {
            s0 = jit.translationStats();
            long before = jit.instret;
            for (int k = 0; k < 100; k++) jit.run(4096);
            s = jit.translationStats();
            retired = jit.instret - before;
            if (s.translatedInstructionsRun() - s0.translatedInstructionsRun() > 0.95 * retired) break;
        }
        assertTrue(s.translatedInstructionsRun() - s0.translatedInstructionsRun() > 0.95 * retired, "translated: " + s);
        return new long[] {s.unitRuns() - s0.unitRuns(), retired};
    }

    static void assertSameAsInterpreter(Hart jit) {
        Hart ref = program(false, 0);
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 5; r <= 9; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    @Test
    void aLineWithSmallLoopsAndSkipsIsOneLongUnit() {
        Hart jit = program(true, Translator.LOCAL_BRANCH_BYTES);
        long[] runsAndRetired = steadyState(jit);
        TranslatedUnit head = jit.codeCache.unitAt(0);
        assertNotNull(head, "a unit at the loop's head");
        assertTrue(head.instructionCount > Translator.MAX_INSTRUCTIONS, "the line goes past the limit: " + head.instructionCount);
        // An iteration retires 40 * 26 or 27 = ~1,060 instructions: a few units of up to 256 instructions each (138-300
        // instructions per unit run in our runs: which entries get units depends on when HotSpot compiles them), where
        // 64-instruction units make about 11 (~84 per run).
        assertTrue(runsAndRetired[0] * 100 <= runsAndRetired[1], "unit runs " + runsAndRetired[0] + " for " + runsAndRetired[1] + " instructions");
        assertSameAsInterpreter(jit);
    }

    @Test
    void withoutLocalBranchesTheLineIsCutAtTheLimit() {
        Hart jit = program(true, 0);
        steadyState(jit);
        TranslatedUnit head = jit.codeCache.unitAt(0);
        assertNotNull(head, "a unit at the loop's head");
        assertTrue(head.instructionCount <= Translator.MAX_INSTRUCTIONS, "cut at the limit: " + head.instructionCount);
        assertSameAsInterpreter(jit);
    }
}
