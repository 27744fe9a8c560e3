package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Two loops that reach the hot tier: a guest loop calls two functions in pages of their own, each a loop: X runs ~1% of
 * the instructions (~14 a run), Y ~98%. Both retire the hot tier's total many times over, and both are promoted, the hart
 * going on as the interpreter. (Round 84 retired the rate rule, hotShare, that this class tested, with the brief-run and
 * size rules; the two loops stay for the run-length rule's and the dispatcher's tests.)
 */
class HotTierTwoLoopsTest {
    static final long BASE = 0x8000_0000L;
    static final int X = 0x2000, Y = 0x4000;

    static Hart hart(boolean translate) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(20_000);
        if (translate) {
            h.codeCache.hotMinRun = 0; // X runs ~14 instructions per run (HotTierMinRunTest tests that rule)
            h.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look, as in deterministic mode
            h.codeCache.hotRecheck = 2_000;
        }
        GuestMemory ram = h.bus().ram();
        int[] outer = {j(X, 1), j(Y - 4, 1), j(-8, 0)}; // jal ra, X; jal ra, Y; j back
        for (int k = 0; k < outer.length; k++) ram.write32(BASE + 4L * k, outer[k]);
        function(ram, X, 5, 6, 4);
        function(ram, Y, 7, 8, 400);
        h.pc = BASE;
        return h;
    }

    /** At {@code at}: xc = n; loop { xs += 1; xc -= 1 } while xc != 0; ret. */
    static void function(GuestMemory ram, int at, int xc, int xs, int n) {
        int[] code = {addi(xc, 0, n), addi(xs, xs, 1), addi(xc, xc, -1), b(-8, 0, xc, 1), i(0, 1, 0, 0, 0x67)};
        for (int k = 0; k < code.length; k++) ram.write32(BASE + at + 4L * k, code[k]);
    }

    static boolean hotIn(Hart h, int page) {
        for (int off = 0; off < 0x20; off += 4) {
            TranslatedUnit u = h.codeCache.unitAt(page + off);
            if (u != null && u.hot) return true;
        }
        return false;
    }

    static void run(Hart jit, Hart ref, long to) {
        HotTierTest.runTo(jit, to);
        HotTierTest.runTo(ref, to);
        assertEquals(ref.pc, jit.pc);
        for (int r = 5; r <= 8; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    @Test
    void bothLoopsArePromoted() {
        Hart jit = hart(true), ref = hart(false);
        run(jit, ref, 8_000_000);
        assertTrue(hotIn(jit, Y), "Y: " + jit.translationStats());
        assertTrue(hotIn(jit, X), "X: " + jit.translationStats());
    }
}
