package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The dispatcher fills the fetch TLB for a pc it does not map (after a TLB flush: every satp write, every sfence.vma
 * that meets a cached superpage) and runs the unit there, instead of interpreting the first block of every code page
 * after each flush (CodeCache.FILL_FETCH_TLB, Mmu.mapFetch). A fetch that would fault leaves no trap pending: the
 * interpreter takes the fault from the same state, as it does without a translator.
 */
class FetchTlbFillTest {
    static final long BASE = 0x8000_0000L;
    static final int BODY = 10;

    /** A hart whose loop at BASE (BODY additions to x5 and a jump back) has a compiled unit at its head. */
    private static Hart loopWithUnit() {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(1);
        GuestMemory mem = h.bus().ram();
        for (int k = 0; k < BODY; k++) mem.write32(BASE + 4L * k, addi(5, 5, 1));
        mem.write32(BASE + 4L * BODY, j(-4 * BODY, 0));
        h.pc = BASE;
        for (int k = 0; k < 100 && h.codeCache.unitAt(0) == null; k++) h.run(BODY + 1);
        TranslatedUnit u = h.codeCache.unitAt(0);
        assertNotNull(u, "a unit at the loop's head: " + h.translationStats());
        assertNotSame(TranslatedUnit.UNTRANSLATABLE, u);
        u.compiled = true; // (the dispatcher runs it without waiting for HotSpot's probe)
        assertEquals(BASE, h.pc);
        return h;
    }

    @Test
    void afterATlbFlushTheUnitAtThePcRunsAtOnce() {
        Hart h = loopWithUnit();
        for (int round = 0; round < 5; round++) {
            h.flushTlb(); // as a satp write or sfence.vma does
            long x5 = h.x[5], translated = h.translationStats().translatedInstructionsRun();
            assertEquals(BODY + 1, h.run(BODY + 1));
            assertEquals(x5 + BODY, h.x[5]);
            assertEquals(BASE, h.pc);
            // Without the fill the lookup found no fetch TLB entry and the interpreter ran the whole iteration.
            assertEquals(BODY + 1, h.translationStats().translatedInstructionsRun() - translated,
                    "the iteration after the flush ran in the unit, not in the interpreter");
        }
    }

    /** A fetch that faults (PMP denies S-mode, or no RAM at the pc): the same trap and state as the interpreter's alone. */
    @Test
    void aFetchThatFaultsLeavesTheTrapToTheInterpreter() {
        for (boolean pmp : new boolean[] {true, false}) {
            Hart[] harts = {loopWithUnit(), loopWithUnit()};
            harts[1].setTranslation(false);
            for (Hart h : harts) {
                h.csrWrite(MTVEC, BASE + 0x800, 0);
                h.bus().ram().write32(BASE + 0x800, addi(6, 6, 7));
                if (pmp) {
                    // One enabled entry (NAPOT, 4 KiB at BASE + 64 KiB): S-mode may fetch nowhere else.
                    h.csrWrite(0x3B0, ((BASE + 0x10000) >>> 2) | 0x1ff, 0);
                    h.csrWrite(0x3A0, (3 << 3) | 7, 0);
                    h.setPriv(Hart.PRIV_S);
                    h.pc = BASE;
                } else {
                    h.pc = 0x1000; // no RAM, no device
                }
                h.flushTlb();
                h.trap = false;
                h.events = 0;
            }
            long[] pcs = new long[2], causes = new long[2], epcs = new long[2], instrets = new long[2], x6 = new long[2];
            int[] privs = new int[2];
            for (int k = 0; k < 2; k++) {
                Hart h = harts[k];
                h.run(2);
                assertFalse(h.trap, "no trap left pending");
                pcs[k] = h.pc; causes[k] = h.mcause; epcs[k] = h.mepc; instrets[k] = h.instret; privs[k] = h.priv; x6[k] = h.x[6];
            }
            assertEquals(CAUSE_FETCH_ACCESS, causes[0], "a fetch access fault (pmp " + pmp + ")");
            assertEquals(pmp ? BASE : 0x1000, epcs[0]);
            assertEquals(Hart.PRIV_M, privs[0]);
            assertEquals(7, x6[0], "the handler's first instruction ran");
            assertArrayEquals(new long[] {pcs[1], causes[1], epcs[1], instrets[1], privs[1], x6[1]},
                    new long[] {pcs[0], causes[0], epcs[0], instrets[0], privs[0], x6[0]}, "as the interpreter alone (pmp " + pmp + ")");
        }
    }
}
