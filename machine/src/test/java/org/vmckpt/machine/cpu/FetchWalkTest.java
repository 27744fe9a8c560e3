package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateWriter;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The dispatcher's fetch walk (CodeCache#fetchWalk, {@code -Dvmckpt.jit.fetchWalk}, off by default; round 80): a loop
 * flushes the TLB ({@code sfence.vma}) and jumps to code on another page, so at every iteration the dispatcher meets
 * that page with no fetch TLB entry. Without the walk the interpreter runs the page's block every time (the look-up
 * finds no entry, so no unit); with it the dispatcher fills the entry and the page's unit runs. The hart retires
 * exactly the interpreter's state at every budget, and a fetch that faults (a jump outside RAM) is raised by the
 * interpreter's own fetch, once, as without the walk.
 */
class FetchWalkTest {
    static final long BASE = 0x8000_0000L, F = BASE + 0x2000, HANDLER = BASE + 0x4000;
    static final int RAM = 1 << 20;
    static final int SFENCE_VMA = r(0x09, 0, 0, 0, 0, 0x73);

    /** The flush loop: sfence.vma, a jump to F; F: eight adds and a jump back. */
    static Hart hart(boolean translate, boolean fetchWalk) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, RAM)), () -> 0);
        h.setTranslation(translate);
        if (translate) {
            h.setTranslationThreshold(1);
            h.codeCache.fetchWalk = fetchWalk;
            h.codeCache.runUncompiled = true; // (every unit runs as soon as it is built: what runs where depends on the instructions alone)
        }
        GuestMemory m = h.bus().ram();
        m.write32(BASE, SFENCE_VMA);
        m.write32(BASE + 4, j((int) (F - BASE - 4), 0));         // j F
        for (int k = 0; k < 8; k++) m.write32(F + 4L * k, addi(5, 5, 1));
        m.write32(F + 32, j((int) (BASE - F - 32), 0));          // j BASE
        h.pc = BASE;
        return h;
    }

    /** The share of {@code batches} batches' instructions (after a warm-up) that units ran. */
    static double translatedShare(Hart h, int batches) {
        for (int k = 0; k < 200; k++) h.run(4096);
        CodeCache.Stats s0 = h.translationStats();
        long i0 = h.instret;
        for (int k = 0; k < batches; k++) h.run(4096);
        CodeCache.Stats s1 = h.translationStats();
        return (double) (s1.translatedInstructionsRun() - s0.translatedInstructionsRun()) / (h.instret - i0);
    }

    @Test
    void theFlushedPagesUnitRunsWithTheWalk() {
        Hart off = hart(true, false), on = hart(true, true);
        double without = translatedShare(off, 300), with = translatedShare(on, 300);
        // An iteration is 11 instructions: sfence.vma and the jump (BASE's), then F's nine. Without the walk F's page is
        // never in the fetch TLB when the dispatcher gets there (the flush came just before), so F's block is interpreted.
        assertTrue(without < 0.35, "without the walk F's block is interpreted: translated share " + without);
        assertTrue(with > 0.7, "with the walk F's unit runs after every flush: translated share " + with);
        assertTrue(on.codeCache.fetchWalkFills > 10_000, "fills " + on.codeCache.fetchWalkFills);
        assertEquals(0, off.codeCache.fetchWalkFills, "no walk without the switch");
    }

    @Test
    void retiresExactlyAsTheInterpreterAtEveryBudget() {
        for (int budget : new int[] {1, 2, 3, 5, 7, 11, 13, 100, 4096}) {
            Hart jit = hart(true, true), ref = hart(false, false);
            for (int k = 0; k < 200; k++) {
                jit.run(4096);
                long before = jit.instret;
                jit.run(budget);
                assertEquals(before + budget, jit.instret, "budget " + budget);
            }
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertArrayEquals(state(ref), state(jit), "the interpreter's state, budget " + budget);
            assertTrue(jit.codeCache.fetchWalkFills > 0, "walked");
        }
    }

    /** BASE: sfence.vma, a jump outside RAM (a fetch access fault); the handler counts it and jumps back to BASE. */
    static Hart faulting(boolean translate, boolean fetchWalk) {
        Hart h = hart(translate, fetchWalk);
        GuestMemory m = h.bus().ram();
        m.write32(BASE + 4, i(0, 10, 0, 0, 0x67));                // jalr x0, 0(x10)
        m.write32(HANDLER, addi(6, 6, 1));
        m.write32(HANDLER + 4, csrr(7, 0x342));                   // mcause
        m.write32(HANDLER + 8, csrr(8, 0x343));                   // mtval
        m.write32(HANDLER + 12, j((int) (BASE - HANDLER - 12), 0));
        h.mtvec = HANDLER;
        h.x[10] = BASE + RAM + 0x1000;                            // no RAM, no device
        return h;
    }

    @Test
    void aFetchThatFaultsIsRaisedByTheInterpretersFetchAlone() {
        for (int budget : new int[] {1, 3, 7, 4096}) {
            Hart jit = faulting(true, true), ref = faulting(false, false);
            for (int k = 0; k < 100; k++) jit.run(budget == 4096 ? 4096 : budget * 7);
            while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
            assertArrayEquals(state(ref), state(jit), "the interpreter's state, budget " + budget);
            assertEquals(1, jit.x[7], "mcause: instruction access fault");
            assertEquals(BASE + RAM + 0x1000, jit.x[8], "mtval: the pc");
            assertTrue(jit.x[6] > 10, "the handler ran: " + jit.x[6]);
            assertTrue(jit.codeCache.fetchWalkFaults > 0, "the dispatcher's walk faulted quietly: " + jit.codeCache.fetchWalkFaults);
        }
    }

    static byte[] state(Hart h) {
        StateWriter w = new StateWriter();
        h.saveState(w);
        return w.toByteArray();
    }
}
