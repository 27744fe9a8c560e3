package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A batch may run past its budget by less than {@code overrun} instructions to finish a unit's entry block that the
 * budget cut ({@link Hart#run(int, int)}, Machine.BATCH_OVERRUN), so that the batch ends at the unit's block boundary
 * instead of leaving the tail to the interpreter; the count it returns is exact, and with no overrun (deterministic
 * mode, instruction limits) the budget is exact as before.
 */
class BatchOverrunTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 40; // a straight line of 40 instructions and a jump back: a 41-instruction entry block

    @Test
    void aUnitsEntryBlockFinishesPastTheBudgetOnlyWithinTheOverrun() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < BODY; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * BODY, j(-4 * BODY, 0));
        h.pc = BASE;
        for (int k = 0; k < 200 && h.translationStats().translatedInstructionsRun() == 0; k++) h.run(4096);
        assertTrue(h.translationStats().translatedInstructionsRun() > 0, "the loop runs translated: " + h.translationStats());
        int loop = BODY + 1;
        toHead(h, loop);

        long translated = h.translationStats().translatedInstructionsRun();
        assertEquals(loop, h.run(10, 64), "the unit's whole entry block, past a budget of 10");
        assertEquals(BASE, h.pc, "back at the loop's head");
        assertEquals(translated + loop, h.translationStats().translatedInstructionsRun(), "run by the unit");
        assertEquals(h.instret - h.instret / loop, h.x[5], "x5 counts the addi instructions retired");

        assertEquals(10, h.run(10, 0), "no overrun: exactly the budget");
        assertEquals(BASE + 40, h.pc);
        toHead(h, loop);
        assertEquals(10, h.run(10, loop - 10), "an entry block ending at the overrun's bound is not run: exactly the budget");
        assertEquals(BASE + 40, h.pc);
        toHead(h, loop);
        assertEquals(loop, h.run(10, loop - 9), "one more instruction of overrun: the entry block");
        assertEquals(h.instret - h.instret / loop, h.x[5], "x5 counts the addi instructions retired");
    }

    /** Runs exactly up to the next time the loop's head is reached. */
    private static void toHead(Hart h, int loop) {
        int left = (int) (loop - h.instret % loop) % loop;
        if (left > 0) assertEquals(left, h.run(left, 0));
        assertEquals(BASE, h.pc);
    }
}
