package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Long straight-line code (SHA-256's and SHA-3's unrolled rounds) is longer than a unit: the instruction limit cuts
 * the region in the middle of it, and the code after the cut runs each time the unit gets there. That exit is the
 * unit's continuation ({@link TranslatedUnit#cutSlot}): the code there is translated at its first visit through
 * it, instead of heating up from zero one unit after another. A cut in branchy code is an ordinary exit.
 */
class ContinuationHeatTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void theRestOfAStraightLineLongerThanAUnitIsTranslatedAtItsFirstVisit() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(3_200);
        GuestMemory mem = h.bus().ram();
        int body = 150; // three units: 64 + 64 + 22 and the jump back
        for (int k = 0; k < body; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * body, j(-4 * body, 0));
        h.pc = BASE;
        for (int k = 0; k < 1_000_000 && h.translationStats().unitsTranslated() == 0; k++) h.run(body + 1);
        assertEquals(1, h.translationStats().unitsTranslated(), "the loop's head got hot");
        TranslatedUnit head = h.codeCache.unitAt(0);
        assertTrue(head.cutSlot >= 0, "the limit cut its straight line");
        head.compiled = true;
        // Two more iterations: the first leaves the head's unit at its cut (offset 256) and translates the code there,
        // whose unit, run in the second, leaves at its own cut (512) and translates that.
        for (int k = 0; k < 2; k++) {
            h.run(body + 1);
            TranslatedUnit next = h.codeCache.unitAt(256);
            if (next != null) next.compiled = true;
        }
        assertNotNull(h.codeCache.unitAt(256), "the code after the first cut is translated: " + h.translationStats());
        assertNotNull(h.codeCache.unitAt(512), "and the code after the second: " + h.translationStats());
        assertEquals(3, h.translationStats().unitsTranslated());
    }

    @Test
    void onlyALongStraightLineCutByTheLimitHasAContinuation() {
        byte[] page = new byte[4096];
        // Straight: 100 additions. Branchy: an addition, then 50 pairs of an addition and a branch over nothing, so that
        // the limit cuts the region after the first instruction of a 2-instruction block.
        for (int k = 0; k < 100; k++) put32(page, 4 * k, addi(5, 5, 1));
        for (int k = 0; k < 50; k++) {
            put32(page, 1024 + 8 * k, addi(5, 5, 1));
            put32(page, 1024 + 8 * k + 4, b(4, 0, 5, 0));
        }
        put32(page, 1020, addi(5, 5, 1));
        put32(page, 1024 + 400, j(-400, 0));
        Translator t = new Translator();
        TranslatedUnit straight = t.translate(page, 0, 0);
        assertEquals(Translator.MAX_INSTRUCTIONS, straight.instructionCount);
        assertTrue(straight.cutSlot >= 0, "a straight line cut by the limit continues at the cut");
        assertEquals(TranslatedUnit.EXIT_REGION, straight.exitKinds[straight.cutSlot]);
        TranslatedUnit branchy = t.translate(page, 0, 1020);
        assertEquals(Translator.MAX_INSTRUCTIONS, branchy.instructionCount);
        assertEquals(-1, branchy.cutSlot, "a cut between short blocks is an ordinary exit");
    }

    private static void put32(byte[] page, int off, int v) {
        for (int b = 0; b < 4; b++) page[off + b] = (byte) (v >>> (8 * b));
    }
}
