package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The heat's half-life during a boot ({@link CodeCache#BOOT_HEAT_HALF_LIFE}): from a fresh boot's start until the hart
 * first runs in user mode, an entry's heat halves for every 2^shift guest instructions, so an entry whose heat comes in
 * more slowly than the threshold over about two half-lives never gets hot, while one that gathers it faster does; after
 * the switch to user mode heat no longer decays. The loop here (300 straight-line instructions and a jump) gathers about
 * 9 heat per iteration (sampled visits and one per 16 instructions, InstructionHeatTest), ~0.03 per instruction: at the
 * default threshold (30,000) it is translated after ~1.0 M instructions without a half-life, never with one of 65,536
 * instructions (its heat tops out near 2 * 0.03 * 65,536, ~4,000), and within 2 M with one of 1 M. The translated hart
 * counts the same as the interpreter throughout.
 */
class BootHeatHalfLifeTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 300;

    private static Hart loop(int halfLifeShift) {
        return loop(halfLifeShift, 0);
    }

    /** As above, with the boot's threshold {@code bootThreshold} (0: the normal one). */
    private static Hart loop(int halfLifeShift, int bootThreshold) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setPromotionThreshold(Long.MAX_VALUE);
        h.codeCache.setHeatHalfLife(0); // (the boot's rule alone, whatever -Dvmckpt.jit.heatHalfLife says: HeatHalfLifeTest)
        h.codeCache.bootHeatShift = halfLifeShift;
        h.startBootTranslation(bootThreshold, true);
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
    void aLoopSlowerThanTheHalfLifeAllowsStaysInterpretedUntilUserMode() {
        Hart h = loop(16);
        assertEquals(30_000, h.codeCache.hotThreshold, "the default threshold");
        assertTrue(h.codeCache.booting, "a half-life alone starts the boot rule");
        runTo(h, 2_000_000);
        assertEquals(0, h.translationStats().unitsTranslated(), "its heat decays faster than it gathers: " + h.translationStats());
        // The guest enters user mode (and comes back: the loop runs in machine mode, which needs no PMP entry).
        h.setPriv(Hart.PRIV_U);
        h.setPriv(Hart.PRIV_M);
        assertFalse(h.codeCache.booting);
        runTo(h, 4_000_000);
        assertTrue(h.translationStats().unitsTranslated() > 0, "no decay after the boot: translated " + h.translationStats());
    }

    @Test
    void withoutAHalfLifeTheSameLoopIsTranslated() {
        Hart h = loop(0);
        assertFalse(h.codeCache.booting, "no boot rule asked for");
        runTo(h, 2_000_000);
        assertTrue(h.translationStats().unitsTranslated() > 0, "translated within 2 M instructions: " + h.translationStats());
    }

    @Test
    void aLoopFastEnoughForTheHalfLifeIsTranslatedInTheBoot() {
        Hart h = loop(20);
        runTo(h, 2_000_000);
        assertTrue(h.codeCache.booting);
        assertTrue(h.translationStats().unitsTranslated() > 0, "its heat reaches the threshold within a half-life: " + h.translationStats());
    }

    /** The two boot rules together: the half-life caps the loop's heat near 4,000, so a boot threshold under it translates it. */
    @Test
    void aBootThresholdUnderTheCappedHeatTranslatesTheLoop() {
        Hart low = loop(16, 3_000), high = loop(16, 10_000);
        runTo(low, 2_000_000);
        runTo(high, 2_000_000);
        assertTrue(low.translationStats().unitsTranslated() > 0, "threshold 3,000: " + low.translationStats());
        assertEquals(0, high.translationStats().unitsTranslated(), "threshold 10,000: " + high.translationStats());
        assertTrue(low.codeCache.booting && high.codeCache.booting);
    }

    @Test
    void theHalfLifeIsAPowerOfTwo() {
        assertEquals(0, CodeCache.heatShift(0));
        assertEquals(0, CodeCache.heatShift(-5));
        assertEquals(1, CodeCache.heatShift(1));
        assertEquals(16, CodeCache.heatShift(65_536));
        assertEquals(27, CodeCache.heatShift(134_217_728));
        assertEquals(27, CodeCache.heatShift(200_000_000));
        if (System.getProperty("vmckpt.jit.bootHeatHalfLife") == null) assertEquals(0, CodeCache.BOOT_HEAT_HALF_LIFE, "off by default");
    }
}
