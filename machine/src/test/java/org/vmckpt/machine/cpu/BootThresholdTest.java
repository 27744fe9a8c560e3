package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The boot's heat threshold ({@link CodeCache#BOOT_THRESHOLD}, {@link Hart#startBootTranslation}): from a fresh boot's
 * start until the hart first runs in user mode, an entry needs the boot's threshold of heat to be translated; from the
 * first entry to user mode on, the normal one. A loop that the normal threshold (1 here) translates at once stays
 * interpreted under a boot threshold it never reaches, and is translated after the switch to user mode; the translated
 * hart stays in step with an interpreter-only one throughout. With the boot's hot-tier decisions off, the loop's unit is
 * promoted only after the switch to user mode.
 */
class BootThresholdTest {
    static final long BASE = 0x8000_0000L;

    /** xc = 1,000,000; loop { xs += 1; xc -= 1 } while xc != 0; then spins. */
    static Hart hart(boolean translate, int bootThreshold) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(Long.MAX_VALUE);
        if (h.codeCache != null) h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        h.startBootTranslation(bootThreshold, true);
        int[] code = {lui(5, 0xf4000), addi(5, 5, 0x240), addi(6, 6, 1), addi(5, 5, -1), b(-8, 0, 5, 1), j(0, 0)};
        for (int k = 0; k < code.length; k++) h.bus().ram().write32(BASE + 4L * k, code[k]);
        h.pc = BASE;
        return h;
    }

    /** Units were built and ran (a unit's key is its RAM offset: the loop's head is at offset 8). */
    static boolean translatedLoop(Hart h) {
        return h.codeCache.unitAt(8) != null && h.translationStats().translatedInstructionsRun() > 0;
    }

    static void runBoth(Hart jit, Hart ref, long to) {
        HotTierTest.runTo(jit, to);
        HotTierTest.runTo(ref, to);
        assertEquals(ref.pc, jit.pc);
        assertEquals(ref.x[5], jit.x[5]);
        assertEquals(ref.x[6], jit.x[6]);
    }

    @Test
    void theBootThresholdHoldsUntilUserMode() {
        Hart jit = hart(true, 1_000_000_000), ref = hart(false, 0);
        runBoth(jit, ref, 300_000);
        assertFalse(translatedLoop(jit), "the boot's threshold kept the loop interpreted: " + jit.translationStats());
        assertEquals(0, jit.translationStats().unitsTranslated());
        // The guest enters user mode (and comes back: this loop runs in machine mode, which needs no PMP entry).
        jit.setPriv(Hart.PRIV_U);
        jit.setPriv(Hart.PRIV_M);
        assertFalse(jit.codeCache.booting);
        runBoth(jit, ref, 1_000_000);
        assertTrue(translatedLoop(jit), "after user mode the normal threshold translates it: " + jit.translationStats());
    }

    @Test
    void withoutABootThresholdTheLoopIsTranslatedAtOnce() {
        Hart jit = hart(true, 0), ref = hart(false, 0);
        assertFalse(jit.codeCache.booting);
        runBoth(jit, ref, 300_000);
        assertTrue(translatedLoop(jit), "threshold 1 translates the loop: " + jit.translationStats());
    }

    /** With the boot's hot-tier decisions off ({@link CodeCache#BOOT_HOT}): the loop's unit is promoted only after user mode. */
    @Test
    void noHotTierDecisionDuringTheBootWhenAsked() {
        Hart jit = hart(true, 0), ref = hart(false, 0);
        jit.setPromotionThreshold(20_000);
        jit.codeCache.hotMinRun = 0;
        jit.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look, as in deterministic mode
        jit.codeCache.hotRecheck = 2_000;
        jit.startBootTranslation(0, false);
        assertTrue(jit.codeCache.booting);
        runBoth(jit, ref, 1_000_000);
        assertTrue(translatedLoop(jit), "the loop is translated (threshold 1): " + jit.translationStats());
        assertEquals(0, jit.translationStats().hotBuilds(), "no hot-tier build during the boot: " + jit.translationStats());
        jit.setPriv(Hart.PRIV_U);
        jit.setPriv(Hart.PRIV_M);
        runBoth(jit, ref, 2_000_000);
        assertTrue(jit.translationStats().promotions() > 0, "promoted after user mode: " + jit.translationStats());
    }

    @Test
    void anExplicitThresholdEndsTheBootRule() {
        Hart jit = hart(true, 1_000_000_000), ref = hart(false, 0);
        assertTrue(jit.codeCache.booting);
        jit.setTranslationThreshold(1);
        assertFalse(jit.codeCache.booting);
        runBoth(jit, ref, 300_000);
        assertTrue(translatedLoop(jit), "the explicit threshold holds: " + jit.translationStats());
    }
}
