package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The heat's half-life after the boot ({@link CodeCache#HEAT_HALF_LIFE}, round 71): on a machine that does not boot, and
 * from a boot's end (the boot keeps no decay), an entry's heat halves for every 2^shift guest instructions, so an entry whose heat comes in more slowly than the threshold over
 * about two half-lives is never translated, however long it runs, while one that gathers it faster is. The loop is
 * round 63's (300 straight-line instructions and a jump, ~0.03 heat per instruction): translated after ~1.0 M
 * instructions without a half-life, never with one of 65,536 (its heat tops out near 4,000), within 2 M with one of
 * 1 M. The translated hart counts the same as the interpreter throughout.
 */
class HeatHalfLifeTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 300;

    private static Hart loop(long halfLife) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setPromotionThreshold(Long.MAX_VALUE);
        h.codeCache.setHeatHalfLife(halfLife);
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < BODY; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * BODY, j(-4 * BODY, 0));
        h.pc = BASE;
        return h;
    }

    private static void runTo(Hart h, long instret) {
        while (h.instret < instret) h.run(4096);
        assertEquals(h.instret - h.instret / (BODY + 1), h.x[5], "x5 counts the addi instructions retired");
    }

    @Test
    void aLoopSlowerThanTheHalfLifeAllowsIsNeverTranslated() {
        Hart h = loop(65_536);
        assertFalse(h.codeCache.booting, "no boot rule: the half-life holds at all times");
        runTo(h, 8_000_000);
        assertEquals(0, h.translationStats().unitsTranslated(), "its heat decays faster than it gathers: " + h.translationStats());
    }

    @Test
    void withoutAHalfLifeTheSameLoopIsTranslated() {
        Hart h = loop(0);
        runTo(h, 2_000_000);
        assertTrue(h.translationStats().unitsTranslated() > 0, "translated within 2 M instructions: " + h.translationStats());
    }

    @Test
    void aLoopFastEnoughForTheHalfLifeIsTranslated() {
        Hart h = loop(1 << 20);
        runTo(h, 2_000_000);
        assertTrue(h.translationStats().unitsTranslated() > 0, "its heat reaches the threshold within a half-life: " + h.translationStats());
    }

    /** The boot keeps no decay (its units as today's); the steady one holds from its end. */
    @Test
    void theBootKeepsNoDecayAndTheHalfLifeHoldsFromItsEnd() {
        Hart h = loop(65_536);
        h.startBootTranslation(0, true);
        assertTrue(h.codeCache.booting, "the steady half-life alone starts the boot's stretch");
        runTo(h, 2_000_000);
        assertTrue(h.translationStats().unitsTranslated() > 0, "no decay in the boot: " + h.translationStats());
        Hart g = loop(65_536);
        g.startBootTranslation(0, true);
        g.setPriv(Hart.PRIV_U);
        g.setPriv(Hart.PRIV_M);
        assertFalse(g.codeCache.booting);
        runTo(g, 8_000_000);
        assertEquals(0, g.translationStats().unitsTranslated(), "from the boot's end the half-life (2^16): " + g.translationStats());
    }

    @Test
    void offByDefault() {
        if (System.getProperty("vmckpt.jit.heatHalfLife") == null) assertEquals(0, CodeCache.HEAT_HALF_LIFE);
    }

    /** A half-life as a shift: log2 rounded down, at least 1; 0 for none (from round 63's BootHeatHalfLifeTest). */
    @Test
    void theHalfLifeIsAPowerOfTwo() {
        assertEquals(0, CodeCache.heatShift(0));
        assertEquals(0, CodeCache.heatShift(-5));
        assertEquals(1, CodeCache.heatShift(1));
        assertEquals(16, CodeCache.heatShift(65_536));
        assertEquals(27, CodeCache.heatShift(134_217_728));
        assertEquals(27, CodeCache.heatShift(200_000_000));
    }
}
