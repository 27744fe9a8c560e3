package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The hot tier's brief-run rule ({@link CodeCache#HOT_BRIEF_RUNS}): a unit is built for the hot tier only if fewer than
 * the given share of its runs retired fewer than 16 instructions. The guest is sha256's return point in small: a loop
 * calls Z fifteen times with a count of 1 (4 instructions a run: the loop's body once and the return) and then once with
 * 400 (~1,200 in one run), then calls Y (a 400-iteration loop, every run ~1,200). Z's runs average ~79 instructions, so
 * the run-length rule at 64 lets it in; 15 of its 16 runs are brief, so the brief-run rule at 50% keeps it C1 code for
 * good, while Y is promoted. The hart's state is the interpreter's throughout.
 */
class HotTierBriefRunTest {
    static final long BASE = HotTierShareTest.BASE;
    static final int Z = 0x2000, Y = 0x4000;

    static Hart hart(boolean translate, int briefPercent, long minRun) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(20_000);
        if (translate) {
            h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
            h.codeCache.hotShare = 0;
            h.codeCache.hotMinRun = minRun;
            h.codeCache.hotMaxBytecode = 0;
            h.codeCache.hotBriefRunsPercent = briefPercent;
            h.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look, as in deterministic mode
            h.codeCache.hotRecheck = 2_000;
        }
        GuestMemory ram = h.bus().ram();
        int[] outer = {
                addi(9, 0, 15),     // 0:  x9 = 15
                addi(5, 0, 1),      // 4:  x5 = 1
                j(Z - 8, 1),        // 8:  jal ra, Z (a brief run)
                addi(9, 9, -1),     // 12: x9 -= 1
                b(-12, 0, 9, 1),    // 16: bne x9, x0, 4
                addi(5, 0, 400),    // 20: x5 = 400
                j(Z - 24, 1),       // 24: jal ra, Z (a long run)
                j(Y - 28, 1),       // 28: jal ra, Y
                j(-32, 0)};         // 32: j 0
        for (int k = 0; k < outer.length; k++) ram.write32(BASE + 4L * k, outer[k]);
        // Z: loop { x6 += 1; x5 -= 1 } while x5 != 0; ret (x5 set by the caller)
        int[] z = {addi(6, 6, 1), addi(5, 5, -1), b(-8, 0, 5, 1), i(0, 1, 0, 0, 0x67)};
        for (int k = 0; k < z.length; k++) ram.write32(BASE + Z + 4L * k, z[k]);
        HotTierShareTest.function(ram, Y, 7, 8, 400);
        h.pc = BASE;
        return h;
    }

    static void run(Hart jit, Hart ref, long to) {
        HotTierTest.runTo(jit, to);
        HotTierTest.runTo(ref, to);
        assertEquals(ref.pc, jit.pc);
        for (int r = 5; r <= 9; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    /**
     * The unit at Z's entry, the one the calls enter (the batches' budget also ends some of Z's long runs mid-loop, so
     * that units begin at Z + 4 and Z + 8 too: entered only there, their runs are long, and they may be promoted).
     */
    static TranslatedUnit unitZ(Hart h) {
        return h.codeCache.unitAt(Z);
    }

    @Test
    void aUnitOfMostlyBriefRunsIsNotPromoted() {
        Hart jit = hart(true, 50, 0), ref = hart(false, 0, 0);
        run(jit, ref, 8_000_000); // Z ~3.7 M instructions, Y ~3.8 M: both retire the hot tier's total many times over
        assertTrue(HotTierShareTest.hotIn(jit, Y), "the loop of long runs was promoted: " + jit.translationStats());
        assertFalse(unitZ(jit).hot, "the unit of mostly brief runs was not: " + jit.translationStats());
        assertTrue(jit.codeCache.hotBriefRejected >= 1, "the rule kept it out: " + jit.codeCache.hotBriefRejected);
        assertEquals(jit.codeCache.hotBriefRejected, jit.translationStats().hotBriefRejected(), "--stats gives the rule's count");
        TranslatedUnit z = unitZ(jit);
        assertNotNull(z, "Z runs as its C1 unit");
        assertFalse(z.hot);
        assertTrue(z.untilHot > Long.MAX_VALUE / 2, "for good: its count set out of reach, not begun again: " + z.untilHot);
    }

    @Test
    void theDispatcherCountsBriefRuns() {
        Hart jit = hart(true, 0, 0), ref = hart(false, 0, 0);
        jit.setPromotionThreshold(Long.MAX_VALUE / 4); // no hot tier: the counts go on
        run(jit, ref, 400_000);
        TranslatedUnit z = unitZ(jit);
        assertNotNull(z);
        assertTrue(z.hotRuns() >= 160, "Z ran: " + z.hotRuns());
        // 15 of every 16 calls make a brief run; the 16th's long run is sometimes ended by a batch's budget and resumed
        // elsewhere, so a little under 15/16 of the runs are brief
        assertTrue(z.hotBriefRuns() * 100 >= z.hotRuns() * 85 && z.hotBriefRuns() * 16 <= z.hotRuns() * 15 + 16,
                z.hotBriefRuns() + " brief of " + z.hotRuns());
    }

    @Test
    void theAverageRunLetsItIn() {
        // The run-length rule at 64 cannot tell Z from a unit of long runs: its runs average ~79 instructions.
        Hart jit = hart(true, 0, 64), ref = hart(false, 0, 0);
        run(jit, ref, 8_000_000);
        assertTrue(HotTierShareTest.hotIn(jit, Y));
        assertTrue(unitZ(jit).hot, "the rule is what keeps Z out: " + jit.translationStats());
        assertEquals(0, jit.codeCache.hotBriefRejected);
    }
}
