package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * With {@link Hart#setBatchMayEndBeforeUnit} (the machine in host-time mode), a batch ends before a unit whose entry
 * block does not fit what is left of it, instead of interpreting the tail: a loop of one 41-instruction block then
 * runs translated in every batch of 4,096, and each call retires exactly what it returns, the same instructions the
 * interpreter retires. Without it, every batch leaves up to 40 of its last instructions, and the start of the next
 * batch in the middle of the block, to the interpreter.
 */
class BatchEndsBeforeUnitTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 40;

    static Hart hart(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        // loop: 40 x (x5 += k) then bne x0, x6 (x6 = 1): one straight-line block of 41 instructions, jumping back
        for (int k = 0; k < BODY; k++) mem.write32(BASE + 4L * k, addi(5, 5, k + 1));
        mem.write32(BASE + 4L * BODY, b(-4 * BODY, 6, 0, 1));
        h.x[6] = 1;
        h.pc = BASE;
        return h;
    }

    @Test
    void aBatchEndsBeforeAUnitThatDoesNotFitItsRest() {
        Hart jit = hart(true);
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 2_000 && jit.translationStats().translatedInstructionsRun() < 100_000; k++) jit.run(4096);
        assertTrue(jit.translationStats().translatedInstructionsRun() >= 100_000, "the loop runs translated: " + jit.translationStats());
        // Until no unit is still being built (on a loaded host C1 may take long): a pending entry is interpreted,
        // which is the host's latency, not the property below.
        for (int k = 0; k < 20_000 && (jit.codeCache.pendingUnits() > 0 || jit.codeCache.translationsWaiting()); k++) jit.run(4096);
        for (int k = 0; k < 10 && jit.pc != BASE; k++) jit.run(4096); // (the warm-up may have left pc inside the loop)
        long endedBefore = jit.translationStats().batchesEndedBeforeUnit();
        // As the machine drives it: a batch of 4,096 each time, whatever the last one retired.
        long before = jit.instret, translatedBefore = jit.translationStats().translatedInstructionsRun();
        int batches = 200;
        for (int k = 0; k < batches; k++) {
            long at = jit.instret;
            int ran = jit.run(4096);
            assertTrue(ran > 0 && ran <= 4096, "a batch retires at most its budget: " + ran);
            assertEquals(at + ran, jit.instret, "the batch retired what it returned");
            assertEquals(BASE, jit.pc, "an early end leaves pc at the unit's entry");
        }
        long retired = jit.instret - before;
        assertEquals(retired, jit.translationStats().translatedInstructionsRun() - translatedBefore,
                "no instruction of the loop was interpreted: " + jit.translationStats());
        assertEquals(batches, jit.translationStats().batchesEndedBeforeUnit() - endedBefore, "every batch ended before the loop's unit");
        // The same instructions as the interpreter's.
        Hart ref = hart(false);
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.pc, jit.pc, "pc");
        assertEquals(ref.x[5], jit.x[5], "x5");
    }

    /**
     * A loop of several blocks (an if/else inside): its unit's entry asks for room for the longest way round (the
     * entry's budget check, Translator#entryReach), so that when the budget runs out the unit leaves at the loop's
     * head (or at another unit's entry), where the batch can end, and not at a block inside the loop, which the
     * interpreter would run on from.
     */
    static Hart branchyLoop(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        int[] code = new int[48];
        int k = 0;
        code[k++] = addi(5, 5, 1);                       // head: x5++
        code[k++] = i(1, 5, 7, 7, 0x13);                 // andi x7, x5, 1
        code[k++] = b(4 * 12, 0, 7, 0);                  // beq x7, x0, even (12 instructions on)
        for (int m = 0; m < 10; m++) code[k++] = addi(8, 8, m + 1);  // odd: 10 instructions
        code[k++] = j(4 * 11, 0);                        // to join
        for (int m = 0; m < 11; m++) code[k++] = addi(9, 9, m + 1);  // even: 11 instructions
        for (int m = 0; m < 12; m++) code[k++] = addi(10, 10, m + 1); // join: 12 instructions
        code[k] = b(-4 * k, 6, 0, 1);                    // bne x0, x6, head (x6 = 1)
        for (int m = 0; m <= k; m++) mem.write32(BASE + 4L * m, code[m]);
        h.x[6] = 1;
        h.pc = BASE;
        return h;
    }

    @Test
    void aLoopOfSeveralBlocksLeavesAtItsHeadWhenTheBudgetRunsOut() {
        Hart jit = branchyLoop(true);
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 2_000 && jit.translationStats().translatedInstructionsRun() < 100_000; k++) jit.run(4096);
        assertTrue(jit.translationStats().translatedInstructionsRun() >= 100_000, "the loop runs translated: " + jit.translationStats());
        // Until no unit is still being built (on a loaded host C1 may take long): a pending entry is interpreted,
        // which is the host's latency, not the property below.
        for (int k = 0; k < 20_000 && (jit.codeCache.pendingUnits() > 0 || jit.codeCache.translationsWaiting()); k++) jit.run(4096);
        for (int k = 0; k < 10 && jit.pc != BASE; k++) jit.run(4096);
        long before = jit.instret, translatedBefore = jit.translationStats().translatedInstructionsRun();
        for (int k = 0; k < 200; k++) {
            long at = jit.instret;
            int ran = jit.run(4096);
            assertEquals(at + ran, jit.instret, "the batch retired what it returned");
            // (Usually at the loop's head; but when the jump's target inside the loop got heat of its own, it is a
            // unit's entry too, and a batch may end there: the property is that the next batch starts in a unit, which
            // the count of interpreted instructions below checks.)
        }
        assertEquals(jit.instret - before, jit.translationStats().translatedInstructionsRun() - translatedBefore,
                "no instruction of the loop was interpreted: " + jit.translationStats());
        Hart ref = branchyLoop(false);
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        for (int r = 5; r <= 10; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    @Test
    void withoutItEveryCallRetiresItsWholeBudget() {
        Hart jit = hart(true);
        for (int k = 0; k < 2_000 && jit.translationStats().translatedInstructionsRun() < 100_000; k++) jit.run(4096);
        assertTrue(jit.translationStats().translatedInstructionsRun() >= 100_000, "the loop runs translated: " + jit.translationStats());
        for (int k = 0; k < 50; k++) {
            long at = jit.instret;
            assertEquals(4096, jit.run(4096));
            assertEquals(at + 4096, jit.instret, "the whole budget");
        }
        assertEquals(0, jit.translationStats().batchesEndedBeforeUnit());
    }
}
