package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Base-register pages ({@link Translator#basePages}): a unit keeps the page of the last access through a stepping or
 * stable base register and reuses its array while the page is the same. A pointer that walks over page boundaries,
 * loads and stores through it at every budget, and a copy-on-write of the page (a checkpoint's freeze) taken by a store
 * through another register between two loads through the kept page, all give the interpreter's state.
 */
class BasePagesTest {
    // (Off by default: turned on here as -Dvmckpt.jit.basePages=4 does; and the units here are C1's, so the pages are
    // turned on for them too, as -Dvmckpt.jit.basePagesInC1=true does.)
    @org.junit.jupiter.api.BeforeAll
    static void pagesInC1Units() {
        Translator.basePages = 4;
        Translator.basePagesInC1 = true;
    }

    @org.junit.jupiter.api.AfterAll
    static void asBefore() {
        Translator.basePages = Integer.getInteger("vmckpt.jit.basePages", 0);
        Translator.basePagesInC1 = Boolean.getBoolean("vmckpt.jit.basePagesInC1");
    }

    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000;

    /**
     * A walk over 3 pages (12 KiB) of doublewords, rewound by six {@code addi s1, s1, -2048}: x9 (s1) steps by 8; each
     * iteration loads the doubleword, adds it to x12 and stores x12 back at the next one (read on the next iteration).
     * x18 (s2) marks the walk's end.
     */
    static Hart walker(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        mem.write32(at, ld(10, 9, 0)); at += 4;               // loop: ld a0, 0(s1)
        mem.write32(at, add(12, 12, 10)); at += 4;            // add a2, a2, a0
        mem.write32(at, sd(12, 9, 8)); at += 4;               // sd a2, 8(s1)
        mem.write32(at, addi(9, 9, 8)); at += 4;              // addi s1, s1, 8
        mem.write32(at, b((int) (LOOP - at), 18, 9, 1)); at += 4; // bne s1, s2, loop
        for (int k = 0; k < 6; k++) { mem.write32(at, addi(9, 9, -2048)); at += 4; }
        mem.write32(at, j((int) (LOOP - at), 0));             // j loop
        for (int k = 0; k < 3 * 512 + 1; k++) mem.write64(DATA + 8L * k, k * 0x9e3779b97f4a7c15L);
        h.x[9] = DATA;
        h.x[18] = DATA + 3 * 4096;
        h.pc = LOOP;
        return h;
    }

    /**
     * x8 (s0) stays at {@code DATA}; x11 (a1) is set from it every iteration (so it gets no kept page). Each iteration:
     * ld a0, 0(s0); sd a3, 0(a1); ld a4, 0(s0); a5 += a4; a3 += 1. The second load must see the store.
     */
    static Hart aliased(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        mem.write32(at, ld(10, 8, 0)); at += 4;      // ld a0, 0(s0)
        mem.write32(at, add(11, 8, 0)); at += 4;     // mv a1, s0
        mem.write32(at, sd(13, 11, 0)); at += 4;     // sd a3, 0(a1)
        mem.write32(at, ld(14, 8, 0)); at += 4;      // ld a4, 0(s0)
        mem.write32(at, add(15, 15, 14)); at += 4;   // add a5, a5, a4
        mem.write32(at, addi(13, 13, 1)); at += 4;   // addi a3, a3, 1
        mem.write32(at, j((int) (LOOP - at), 0));    // j loop
        h.x[8] = DATA;
        h.pc = LOOP;
        return h;
    }

    static void warmUp(Hart jit) {
        UnitWarmUp.runTranslated(jit, 200_000);
        UnitWarmUp.unitAt(jit, LOOP, BASE);
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (int k = 0; k < 3 * 512 + 1; k++) {
            assertEquals(ref.bus().ram().read64(DATA + 8L * k), jit.bus().ram().read64(DATA + 8L * k), "doubleword " + k);
        }
    }

    @Test
    void aPointerWalkOverPagesGivesTheInterpretersState() {
        Hart jit = walker(true), ref = walker(false);
        warmUp(jit);
        TranslatedUnit u = jit.codeCache.unitAt(LOOP - BASE);
        assertNotNull(u, "a unit at the loop's head");
        assertTrue(u.basePages >= 1, "the walking register keeps its page: " + u.basePages);
        assertTrue(jit.translationStats().translatedInstructionsRun() > 100_000, "translated: " + jit.translationStats());
        sameState(ref, jit);
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 50; k++) jit.run(4096); // over page boundaries and rewinds, many times
        sameState(ref, jit);
    }

    @Test
    void aCopyOnWriteBetweenTwoLoadsOfAKeptPageIsSeen() {
        Hart jit = aliased(true), ref = aliased(false);
        warmUp(jit);
        TranslatedUnit u = jit.codeCache.unitAt(LOOP - BASE);
        assertNotNull(u, "a unit at the loop's head");
        assertTrue(u.basePages >= 1, "s0 keeps its page: " + u.basePages);
        sameState(ref, jit);
        for (int round = 0; round < 20; round++) {
            // A checkpoint's freeze: the next store copies the page (and drops the TLB's entries of the old array) while the
            // unit runs, between the two loads through s0.
            var frozen = jit.bus().ram().freeze();
            jit.run(4096);
            frozen.release();
            sameState(ref, jit);
        }
    }

    /** When on, by default only hot-tier units keep pages, C1 units not; the hot walk gives the interpreter's state. */
    @Test
    void theHotTierKeepsPagesAndC1UnitsNone() {
        Translator.basePagesInC1 = false;
        try {
            Hart jit = walker(true), ref = walker(false);
            jit.setPromotionThreshold(20_000);
            jit.codeCache.hotMinRun = 0;
            jit.setBatchMayEndBeforeUnit(true);
            long deadline = System.nanoTime() + 120_000_000_000L; // a watchdog, not a measure
            TranslatedUnit u = null;
            while (System.nanoTime() < deadline) {
                jit.run(4096);
                u = jit.codeCache.unitAt(LOOP - BASE);
                if (u != null && u.hot) break;
            }
            assertTrue(u != null && u.hot, "the walk was promoted: " + jit.translationStats());
            assertTrue(u.basePages >= 1, "the hot unit keeps the walking register's page: " + u.basePages);
            for (int budget = 1; budget <= 40; budget++) jit.run(budget);
            for (int k = 0; k < 50; k++) jit.run(4096);
            sameState(ref, jit);
            Translator t = new Translator();
            byte[] page = new byte[4096];
            jit.bus().ram().readBytes(LOOP & ~0xfffL, page, 0, 4096);
            assertEquals(0, t.translate(page, 0, (int) (LOOP & 0xfff)).basePages, "a C1 unit keeps none");
        } finally {
            Translator.basePagesInC1 = true;
        }
    }

    /**
     * A loop of n loads through a stepping register (and an add after each) whose bytecode crosses the bound with the
     * pages' checks before it does without them: the unit holds the same region either way (built without pages when
     * they would not fit), not a smaller one that leaves the loop every iteration.
     */
    @Test
    void aRegionTheChecksWouldPushOverTheBoundKeepsItsSize() {
        int saved = Translator.basePages;
        try {
            boolean crossed = false;
            for (int n = 40; n <= 140; n += 4) {
                byte[] page = new byte[4096];
                int at = 0x100;
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(page).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < n; k++) {
                    b.putInt(at, ld(10, 9, 8 * (k % 200))); at += 4;
                    b.putInt(at, add(12, 12, 10)); at += 4;
                }
                b.putInt(at, addi(9, 9, 8)); at += 4;
                b.putInt(at, Asm.b(0x100 - at, 0, 9, 1)); at += 4; // bne s1, x0, head
                b.putInt(at, i(0, 1, 0, 0, 0x67));                  // ret
                Translator.basePages = 0;
                Translator t = new Translator();
                TranslatedUnit without = t.translate(page, 7, 0x100);
                int withoutBytes = t.lastBytecodeSize;
                Translator.basePages = 4;
                TranslatedUnit with = t.translate(page, 7, 0x100);
                assertEquals(without.instructionCount, with.instructionCount, "the region of a loop of " + n + " loads");
                if (with.basePages == 0 && without.instructionCount == 2 * n + 2 && withoutBytes > 4000) crossed = true;
            }
            assertTrue(crossed, "some loop fits the bound only without the pages' checks");
        } finally {
            Translator.basePages = saved;
        }
    }
}
