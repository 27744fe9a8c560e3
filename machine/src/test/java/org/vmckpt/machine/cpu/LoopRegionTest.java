package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A loop longer than the instruction limit of a region (64) but within {@link Translator#MAX_LOOP_INSTRUCTIONS} is
 * one unit from its head, its back edge a jump inside that unit: an iteration makes no trip through the dispatcher.
 * With the limit alone, a loop of 67 instructions ran as a unit of 64 and a unit of the 3 left out, two unit runs
 * per iteration (the CPU benchmark's sha256), and a loop of 200 as a chain of four.
 */
class LoopRegionTest {
    static final long BASE = 0x8000_0000L;
    static final long DATA = BASE + 0x10000;

    /** loop: {@code body} times x5 += 1, then x6 -= 1 and bne x6, x0 back to the head; x6 starts large. */
    static Hart straightLoop(boolean translated, int body) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < body; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * body, addi(6, 6, -1));
        mem.write32(BASE + 4L * body + 4, b(-4 * (body + 1), 0, 6, 1)); // bne x6, x0, head
        h.x[6] = 1L << 40;
        h.pc = BASE;
        return h;
    }

    @Test
    void aLoopLongerThanTheLimitRunsAsOneUnit() {
        for (int body : new int[] {65, 200}) {
            Hart jit = straightLoop(true, body);
            jit.setBatchMayEndBeforeUnit(true);
            for (int k = 0; k < 4_000 && jit.translationStats().translatedInstructionsRun() < 200_000; k++) jit.run(4096);
            for (int k = 0; k < 10 && jit.pc != BASE; k++) jit.run(4096);
            TranslatedUnit head = jit.codeCache.unitAt(0);
            assertNotNull(head, "a unit at the loop's head");
            head.compiled = true; // (the dispatcher runs it without waiting for HotSpot's probe)
            assertEquals(body + 2, head.instructionCount, "the head's unit holds the whole loop (" + body + " + 2)");
            CodeCache.Stats s0 = jit.translationStats();
            long before = jit.instret;
            int batches = 100;
            for (int k = 0; k < batches; k++) jit.run(4096);
            CodeCache.Stats s = jit.translationStats();
            long retired = jit.instret - before, runs = s.unitRuns() - s0.unitRuns();
            assertEquals(retired, s.translatedInstructionsRun() - s0.translatedInstructionsRun(),
                    "nothing interpreted: " + s);
            // Each batch runs the loop's unit once (whole iterations, ~4096 / (body + 2) of them), not a unit per
            // 64 instructions of each iteration.
            assertTrue(runs <= batches, body + ": unit runs " + runs + " for " + retired + " instructions in " + batches + " batches");
            // The interpreter's state at the same count.
            Hart ref = straightLoop(false, body);
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertEquals(ref.pc, jit.pc, "pc");
            assertEquals(ref.x[5], jit.x[5], "x5");
            assertEquals(ref.x[6], jit.x[6], "x6");
        }
    }

    @Test
    void anEntryInsideTheLoopKeepsARegionThatStopsAtTheBackEdge() {
        Hart h = straightLoop(true, 200);
        h.setTranslationThreshold(1); // every entry is translated at its first visit
        h.pc = BASE + 4 * 100; // the first visit is in the middle of the loop
        for (int k = 0; k < 400; k++) h.run(4096);
        TranslatedUnit mid = h.codeCache.unitAt(4 * 100), head = h.codeCache.unitAt(0);
        assertNotNull(mid, "a unit where the guest started: " + h.translationStats());
        assertNotNull(head, "a unit at the loop's head: " + h.translationStats());
        // (The rest of the iteration, a straight line: 100 additions, the count and the branch back, which leaves.)
        assertEquals(102, mid.instructionCount, "inside the loop: a region that stops at the back edge");
        assertEquals(202, head.instructionCount, "at its head: the loop");
    }

    /**
     * A loop of 150 instructions with a branch inside (an if/else on the loop counter's low bit), loads and stores to a
     * data page, a CSR access the interpreter runs for the unit, and a word store into the loop's own page every 1024th
     * iteration (which drops the unit, the page a code page): run at random budgets by both engines, the same state.
     */
    static Hart branchyLoop(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        int[] code = new int[160];
        int n = 0;
        // head (0): x7 = x6 & 1; beq x7, x0, even
        code[n++] = i(1, 6, 7, 7, 0x13); // andi x7, x6, 1
        int branchAt = n++;
        for (int k = 0; k < 40; k++) code[n++] = addi(5, 5, 3); // odd path
        int jumpAt = n++;
        int even = n;
        for (int k = 0; k < 40; k++) code[n++] = addi(5, 5, -1); // even path
        int join = n;
        code[branchAt] = b(4 * (even - branchAt), 0, 7, 0); // beq x7, x0, even
        code[jumpAt] = j(4 * (join - jumpAt), 0);
        code[n++] = ld(8, 9, 0);        // x8 = [x9]
        code[n++] = add(8, 8, 5);
        code[n++] = sd(8, 9, 0);        // [x9] = x8 + x5
        code[n++] = lbu(10, 9, 3);
        code[n++] = add(5, 5, 10);
        code[n++] = csrrs(11, 0x340, 0); // read mscratch (a helper: the interpreter runs it)
        code[n++] = add(5, 5, 11);
        code[n++] = i(1023, 6, 7, 12, 0x13); // andi x12, x6, 1023
        int skipStore = n++;
        code[n++] = sw(0, 13, 0);       // every 1024th iteration: a store into this page (x13 = a word after the code)
        code[skipStore] = b(4 * (n - skipStore), 0, 12, 1); // bne x12, x0, past the store
        for (int k = 0; k < 20; k++) code[n++] = addi(14, 14, k);
        code[n++] = addi(6, 6, -1);
        code[n] = b(-4 * n, 0, 6, 1);   // bne x6, x0, head
        n++;
        for (int k = 0; k < n; k++) mem.write32(BASE + 4L * k, code[k]);
        h.x[6] = 1 << 20;
        h.x[9] = DATA;
        h.x[13] = BASE + 4L * (n + 16);
        h.pc = BASE;
        return h;
    }

    @Test
    void aLoopWithBranchesMemoryAndHelpersGivesTheInterpretersState() {
        Hart jit = branchyLoop(true), ref = branchyLoop(false);
        jit.setBatchMayEndBeforeUnit(true);
        Random rnd = new Random(7);
        for (int k = 0; k < 3_000; k++) {
            int budget = k % 3 == 0 ? 1 + rnd.nextInt(300) : 4096;
            jit.run(budget);
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertEquals(ref.instret, jit.instret, "instret");
            assertEquals(ref.pc, jit.pc, "pc at " + jit.instret);
            assertArrayEquals(ref.x, jit.x, "registers at " + jit.instret);
            TranslatedUnit u = jit.codeCache.unitAt(0);
            if (u != null && u != TranslatedUnit.UNTRANSLATABLE) u.compiled = true; // (run without HotSpot's probe)
        }
        assertEquals(ref.bus().ram().read64(DATA), jit.bus().ram().read64(DATA), "memory");
        TranslatedUnit head = jit.codeCache.unitAt(0);
        assertNotNull(head, "the loop was translated: " + jit.translationStats());
        assertTrue(head.instructionCount > Translator.MAX_INSTRUCTIONS, "as one unit: " + head.instructionCount);
        assertTrue(jit.translationStats().invalidations() > 0, "the stores into the loop's page dropped its unit");
        assertTrue(jit.translationStats().translatedInstructionsRun() > jit.instret / 2, "mostly translated: " + jit.translationStats());
    }
}
