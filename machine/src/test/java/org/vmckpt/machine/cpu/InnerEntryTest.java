package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Inner entries ({@link InnerEntry}): a pc at a block start inside a live unit, where no unit of its own starts, is run
 * by that unit from that block on, with the interpreter's state at every budget, and never after the unit's code
 * changed (a write to its page or to its second page). Without them the interpreter runs that block first.
 */
class InnerEntryTest {
    static final long BASE = 0x8000_0000L;

    /**
     * The loop at {@code loop}: x6 -= 1; x9 = x6 & 3; if x9 is 0 skip the next; (B, loop + 12:) x7 += 1; x8 += x6;
     * x10 += 2; bne x6, x0, loop. B is a block start of the loop's unit (it follows a branch) that no jump goes to, so
     * the dispatcher never sees it while the loop runs and no unit starts there.
     */
    static Hart hart(boolean translated, boolean inner, long loop) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        if (translated) h.codeCache.innerEntries = inner;
        GuestMemory mem = h.bus().ram();
        mem.write32(loop, addi(6, 6, -1));
        mem.write32(loop + 4, i(3, 6, 7, 9, 0x13)); // andi x9, x6, 3
        mem.write32(loop + 8, b(8, 0, 9, 0)); // beq x9, x0, +8
        mem.write32(loop + 12, addi(7, 7, 1)); // B
        mem.write32(loop + 16, add(8, 8, 6));
        mem.write32(loop + 20, addi(10, 10, 2));
        mem.write32(loop + 24, b(-24, 0, 6, 1)); // bne x6, x0, loop
        mem.write32(loop + 28, j(0, 0)); // (not reached: x6 is large)
        h.x[6] = 1L << 40;
        h.pc = loop;
        return h;
    }

    /** Runs {@code jit} until the loop's unit exists and it stands at the loop's head; marks the unit compiled. */
    static TranslatedUnit warmUp(Hart jit, long loop) {
        jit.setBatchMayEndBeforeUnit(true);
        for (int k = 0; k < 4_000 && jit.translationStats().translatedInstructionsRun() < 100_000; k++) jit.run(4096);
        for (int k = 0; k < 1_000 && jit.pc != loop; k++) jit.run(1);
        assertEquals(loop, jit.pc, "at the loop's head");
        TranslatedUnit u = jit.codeCache.unitAt(loop - BASE);
        assertNotNull(u, "a unit at the loop's head");
        u.compiled = true; // (the dispatcher runs it without HotSpot's probe)
        return u;
    }

    /** Both harts to the same count, then both at {@code pc}. */
    static void bothAt(Hart ref, Hart jit, long pc) {
        sameState(ref, jit);
        ref.pc = pc;
        jit.pc = pc;
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
    }

    /** Runs one batch from where the hart stands; returns the instructions of it the interpreter ran. */
    static long interpretedIn(Hart jit, int budget) {
        CodeCache.Stats s0 = jit.translationStats();
        long before = jit.instret;
        jit.run(budget);
        long retired = jit.instret - before;
        assertTrue(retired > 0, "something ran");
        return retired - (jit.translationStats().translatedInstructionsRun() - s0.translatedInstructionsRun());
    }

    @Test
    void aBlockStartInsideALiveUnitRunsTranslatedFromThere() {
        long loop = BASE + 0x100, inner = loop + 12;
        for (boolean on : new boolean[] {true, false}) {
            Hart jit = hart(true, on, loop), ref = hart(false, false, loop);
            warmUp(jit, loop);
            TranslatedUnit e = jit.codeCache.unitAt(inner - BASE);
            if (on) {
                assertTrue(e instanceof InnerEntry, "an inner entry at the block start: " + e);
                e.compiled = true;
            } else {
                assertNull(e, "no entry at the block start without inner entries");
            }
            bothAt(ref, jit, inner);
            long interpreted = interpretedIn(jit, 4096);
            if (on) assertEquals(0, interpreted, "nothing interpreted from the inner entry on");
            else assertTrue(interpreted > 0, "the block at B interpreted: " + interpreted);
            sameState(ref, jit);
        }
    }

    @Test
    void everyBudgetFromAnInnerEntryGivesTheInterpretersState() {
        long loop = BASE + 0x100, inner = loop + 12;
        Hart jit = hart(true, true, loop), ref = hart(false, false, loop);
        warmUp(jit, loop);
        jit.codeCache.unitAt(inner - BASE).compiled = true;
        for (int budget = 1; budget <= 40; budget++) {
            bothAt(ref, jit, inner);
            jit.run(budget);
            sameState(ref, jit);
            // and from there on, whatever the budget
            jit.run(budget + 3);
            sameState(ref, jit);
        }
    }

    @Test
    void anInnerEntryDiesWhenTheUnitsCodeChanges() {
        // The loop in one page, and across a page end with B in the first page and the changed instruction in the second
        // (where a write drops the unit, not B's own key).
        for (long loop : new long[] {BASE + 0x100, BASE + 0xff0}) {
            long inner = loop + 12, changed = loop + 20;
            Hart jit = hart(true, true, loop), ref = hart(false, false, loop);
            TranslatedUnit u = warmUp(jit, loop);
            if (loop == BASE + 0xff0) assertTrue(u.nextPageIndex >= 0, "the unit spans the next page");
            TranslatedUnit e = jit.codeCache.unitAt(inner - BASE);
            assertTrue(e instanceof InnerEntry, "an inner entry at B");
            e.compiled = true;
            bothAt(ref, jit, inner);
            assertEquals(0, interpretedIn(jit, 4096));
            sameState(ref, jit);
            // x10 += 5 instead of 2, in both engines at the same count
            jit.bus().ram().write32(changed, addi(10, 10, 5));
            ref.bus().ram().write32(changed, addi(10, 10, 5));
            assertTrue(u.dead, "the unit is dropped");
            assertTrue(e.dead, "its inner entry is dropped with it");
            TranslatedUnit now = jit.codeCache.unitAt(inner - BASE);
            assertTrue(now == null || !now.dead && !(now instanceof InnerEntry && ((InnerEntry) now).unit == u), "no stale entry at B: " + now);
            bothAt(ref, jit, inner);
            long x10 = jit.x[10];
            for (int k = 0; k < 200; k++) jit.run(4096);
            sameState(ref, jit);
            assertTrue(jit.x[10] - x10 > 5 * 1000, "the new code ran");
        }
    }
}
