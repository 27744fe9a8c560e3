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
