package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Page heat (CodeCache.PAGE_HEAT, round 66): a loop of 255 short blocks (a page of them), each ending in a jump to the next, spreads the
 * dispatcher's sampled visits, and so its heat, over 255 entries of one page; none gets hot within 2 M instructions at
 * the default threshold, but with page heat on the page's interpreted instructions lower the threshold of its entries
 * and the loop is translated. In step with the interpreter either way.
 */
class PageHeatTest {
    static final long BASE = 0x8000_0000L;
    static final int BLOCKS = 255;

    private static Hart loop(int pageHeat, int pageHeatThreshold) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.codeCache.pageHeat = pageHeat;
        h.codeCache.pageHeatThreshold = pageHeatThreshold;
        GuestMemory mem = h.bus().ram();
        long a = BASE;
        for (int b = 0; b < BLOCKS; b++) {
            for (int k = 0; k < 3; k++, a += 4) mem.write32(a, addi(5, 5, 1));
            // a jump to the next block (the last one back to the first): every block ends at a taken jump
            mem.write32(a, j(b == BLOCKS - 1 ? (int) (BASE - a) : 4, 0));
            a += 4;
        }
        h.pc = BASE;
        return h;
    }

    private static void run(Hart h) {
        while (h.instret < 2_000_000) h.run(4096);
        // 3 of every 4 instructions retired are addi (the loop starts at a block's first instruction)
        long blocks = h.instret / 4, rest = h.instret % 4;
        assertEquals(3 * blocks + Math.min(rest, 3), h.x[5], "x5 counts the addi instructions retired");
    }

    @Test
    void offByDefault() {
        assertEquals(0, CodeCache.PAGE_HEAT, "off unless -Dvmckpt.jit.pageHeat is set");
    }

    @Test
    void heatSpreadOverManyEntriesKeepsTheLoopInterpreted() {
        Hart h = loop(0, CodeCache.PAGE_HEAT_THRESHOLD);
        run(h);
        assertEquals(0, h.translationStats().unitsTranslated(), "no entry hot within 2 M instructions: " + h.translationStats());
        assertEquals(0, h.codeCache.pageHeatHot);
    }

    @Test
    void aPageThatRunsInterpretedGetsItsEntriesTranslated() {
        Hart h = loop(100_000, 2_000);
        run(h);
        assertTrue(h.translationStats().unitsTranslated() > 0, "translated by page heat: " + h.translationStats());
        assertTrue(h.codeCache.pageHeatHot > 0, "hot by the page's heat, not the threshold");
    }

    @Test
    void afterBootOnlyWaitsForUserMode() {
        Hart h = loop(100_000, 2_000);
        h.codeCache.pageHeatAfterBoot = true;
        h.startBootTranslation(0, true);
        run(h);
        assertEquals(0, h.translationStats().unitsTranslated(), "in the boot the rule waits: " + h.translationStats());
        h.setPriv(Hart.PRIV_U); // the boot reached user space
        h.setPriv(Hart.PRIV_M);
        long before = h.instret;
        while (h.instret < before + 200_000) h.run(4096);
        assertTrue(h.translationStats().unitsTranslated() > 0, "after the boot the page's heat counts: " + h.translationStats());
        long blocks = h.instret / 4, rest = h.instret % 4;
        assertEquals(3 * blocks + Math.min(rest, 3), h.x[5]);
    }

    @Test
    void aPageUnderTheBoundKeepsTheThreshold() {
        Hart h = loop(1_000_000_000, 2_000);
        run(h);
        assertEquals(0, h.translationStats().unitsTranslated(), "the page never passes the bound: " + h.translationStats());
    }
}
