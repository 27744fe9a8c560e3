package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A loop longer than one unit (100 instructions and a jump back, one page): its first unit ends at the
 * instruction limit, and the rest of the loop is entered from that unit's exit on every iteration. That entry
 * gathers heat as fast as a sampled visit (16 per lookup), so it is translated after about threshold / 16
 * iterations, not after threshold iterations as other entries in a page that holds translations.
 */
class HeatAfterUnitExitTest {
    static final long BASE = 0x8000_0000L;
    static final int THRESHOLD = 3_200;

    @Test
    void theRestOfALoopLongerThanAUnitIsTranslatedSoonAfterItsFirstUnit() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(THRESHOLD);
        h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        h.codeCache.maxLoopInstructions = 0; // a loop longer than a unit (with loop regions: than a loop region's bound)
        h.codeCache.maxStraightInstructions = 0; // (64-instruction pieces, as a straight line longer than those regions)
        GuestMemory mem = h.bus().ram();
        int body = 100;
        for (int k = 0; k < body; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * body, j(-4 * body, 0));
        h.pc = BASE;
        // Run until the loop's first unit exists, then 800 more iterations (a quarter of the threshold).
        long iteration = body + 1;
        for (int k = 0; k < 1_000_000 && h.translationStats().unitsTranslated() == 0; k++) h.run(64);
        assertTrue(h.translationStats().unitsTranslated() >= 1, "the loop got hot: " + h.translationStats());
        long start = h.instret;
        while (h.instret < start + 800 * iteration) h.run(4096);
        assertTrue(h.translationStats().unitsTranslated() >= 2,
                "the rest of the loop was translated within 800 iterations: " + h.translationStats());
    }
}
