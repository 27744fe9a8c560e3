package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A loop longer than a unit (200 instructions and a jump back) is covered by one chain of units that starts at its
 * head: each unit entered inside the loop stops at the back edge instead of running on into the head. When a unit
 * went on through the back edge, it stopped 64 instructions later at an offset that moved by the loop's length
 * (mod 64) each iteration, so the loop needed a chain of units for every such phase (SHA-256's unrolled loops in
 * the CPU benchmark's module loading: 168 units in one page).
 */
class LongLoopUnitsTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void aLoopLongerThanAUnitIsOneChainOfUnitsFromItsHead() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(16);
        h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        // A loop longer than a loop region may be (Translator.MAX_LOOP_INSTRUCTIONS), as this one is with them off.
        h.codeCache.maxLoopInstructions = 0; // (and no straight-line regions: 64-instruction pieces)
        h.codeCache.maxStraightInstructions = 0;
        GuestMemory mem = h.bus().ram();
        int body = 200;
        for (int k = 0; k < body; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * body, j(-4 * body, 0));
        h.pc = BASE;
        for (int k = 0; k < 600; k++) h.run(4096);
        CodeCache.Stats s = h.translationStats();
        // Every iteration runs the same units: the loop's 201 instructions need 4 of at most 64 (a few more may start
        // where a batch or the budget left the interpreter).
        assertTrue(s.unitsTranslated() <= 8, "one chain of units for the loop: " + s);
        assertTrue(s.translatedInstructionsRun() > 0.9 * h.instret, "the loop runs translated: " + s);
        assertEquals(h.instret - h.instret / (body + 1), h.x[5], "x5 counts the addi instructions retired");
    }
}
