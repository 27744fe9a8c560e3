package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A long straight-line loop gets hot in proportion to the instructions interpreted there, not only to its visits
 * (CodeCache.INSTRUCTION_HEAT): at the default threshold (30,000), a loop of 300 instructions is translated within
 * 2 M instructions, where visits alone (one per iteration) would take ~9 M.
 */
class InstructionHeatTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 300;

    private static Hart loop(int instructionHeat) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.codeCache.instructionHeat = instructionHeat;
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < BODY; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * BODY, j(-4 * BODY, 0));
        h.pc = BASE;
        return h;
    }

    @Test
    void aLongStraightLineLoopGetsHotFromItsInstructions() {
        Hart h = loop(CodeCache.INSTRUCTION_HEAT);
        assertTrue(h.codeCache.instructionHeat > 0, "on by default");
        while (h.instret < 2_000_000) h.run(4096);
        assertTrue(h.translationStats().unitsTranslated() > 0, "translated within 2 M instructions: " + h.translationStats());
        assertEquals(h.instret - h.instret / (BODY + 1), h.x[5], "x5 counts the addi instructions retired");
    }

    @Test
    void visitsAloneTakeLonger() {
        Hart h = loop(0);
        while (h.instret < 2_000_000) h.run(4096);
        assertEquals(0, h.translationStats().unitsTranslated(), "visits alone: not hot yet after 2 M instructions");
    }
}
