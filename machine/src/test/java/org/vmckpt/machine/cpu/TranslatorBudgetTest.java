package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Translated code retires exactly the budget it is given, never more: the property that makes deterministic
 * mode, --max-instructions and checkpoints at an instruction count exact, and that bounds interrupt latency to
 * one batch (the machine looks at interrupts between batches of at most Machine.BATCH instructions).
 */
class TranslatorBudgetTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void aHotLoopRetiresExactlyEachBudgetUnderTheTranslator() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart hart = new Hart(0, new Bus(mem), () -> 0);
        hart.setTranslation(true);
        // loop: x5 += 1; x6 += x5; x7 = x6 ^ x5; bne x0, x5, loop   (a loop that never ends)
        Asm a = new Asm();
        a.emit(addi(5, 5, 1)).emit(add(6, 6, 5)).emit(r(0, 5, 6, 4, 7, 0x33)).emit(b(-12, 5, 0, 1));
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        hart.pc = BASE;
        // Warm up until the loop runs translated (translation waits for heat and for HotSpot's compiler).
        for (int k = 0; k < 20_000 && hart.translationStats().translatedInstructionsRun() == 0; k++) hart.run(4096);
        assertTrue(hart.translationStats().translatedInstructionsRun() > 0, "the loop never ran translated: " + hart.translationStats());
        int[] budgets = {1, 2, 3, 5, 7, 100, 1001, 4095, 4096};
        for (int round = 0; round < 50; round++) {
            for (int budget : budgets) {
                long before = hart.instret;
                long translatedBefore = hart.translationStats().translatedInstructionsRun();
                hart.run(budget);
                assertEquals(before + budget, hart.instret, "budget " + budget + " must retire exactly that many instructions");
                if (budget >= 100) {
                    assertTrue(hart.translationStats().translatedInstructionsRun() > translatedBefore, "a budget of " + budget + " ran translated");
                }
            }
        }
        // The architectural state agrees with the count: x5 counts started iterations of the 4-instruction loop.
        assertEquals((hart.instret + 3) / 4, hart.x[5], "iterations started");
        assertEquals(BASE + 4 * (hart.instret % 4), hart.pc, "pc at the instruction after the last retired one");
    }
}
