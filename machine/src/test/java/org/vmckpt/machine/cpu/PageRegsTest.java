package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Page pairs for any base register in hot-tier units ({@link Translator#pageRegs}, round 82): a register reset every
 * iteration by {@code mv} (as ECDSA's {@code vli_mmod_fast} resets its limb pointers before each inlined add) keeps a
 * pair, the pair refills out of line from the TLB's fast path (or inline, round 35's form), and a call into the hart
 * forgets every pair. A walk over pages from a misaligned start (some doublewords cross a page), at every budget; a copy-on-write
 * of the page (a checkpoint's freeze) taken by a store between two loads through a kept page; the frozen view unchanged
 * by the stores (a write pair comes only from a write-TLB hit); all against the interpreter.
 */
class PageRegsTest {
    @BeforeAll
    static void on() {
        Translator.pageRegs = 4;
    }

    @AfterAll
    static void asBefore() {
        Translator.pageRegs = Integer.getInteger("vmckpt.jit.pageRegs", 0);
        form(0);
    }

    /** The forms, by number: 0 the defaults (refill out of line, groups give way), 1 round 35's inline check, 2 pairs beside the groups. */
    static final int FORMS = 3;

    static void form(int f) {
        Translator.pageRegsInline = f == 1 || "inline".equals(System.getProperty("vmckpt.jit.pageRegsForm"));
        Translator.pageRegsGroups = f == 2 || Boolean.getBoolean("vmckpt.jit.pageRegsGroups");
    }

    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000;

    /**
     * s1 (x9) walks 3 pages of doublewords from DATA + 4 (so every 512th access crosses a page) in steps of 8; each
     * iteration sets a1 (x11) from s1 ({@code mv}: no round-35 pair), loads through a1, adds, stores at a1 + 8. Then s1
     * goes back by 3 pages. x18 (s2) marks the walk's end.
     */
    static Hart walker(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        mem.write32(at, add(11, 9, 0)); at += 4;              // loop: mv a1, s1
        mem.write32(at, ld(10, 11, 0)); at += 4;              // ld a0, 0(a1)
        mem.write32(at, add(12, 12, 10)); at += 4;            // add a2, a2, a0
        mem.write32(at, sd(12, 11, 8)); at += 4;              // sd a2, 8(a1)
        mem.write32(at, addi(9, 9, 8)); at += 4;              // addi s1, s1, 8
        mem.write32(at, b((int) (LOOP - at), 18, 9, 1)); at += 4; // bne s1, s2, loop
        for (int k = 0; k < 6; k++) { mem.write32(at, addi(9, 9, -2048)); at += 4; }
        mem.write32(at, j((int) (LOOP - at), 0));             // j loop
        for (int k = 0; k < 3 * 512 + 2; k++) mem.write64(DATA + 8L * k, k * 0x9e3779b97f4a7c15L);
        h.x[9] = DATA + 4;
        h.x[18] = DATA + 4 + 3 * 4096;
        h.pc = LOOP;
        return h;
    }

    /**
     * s0 (x8) stays at DATA; a1 (x11) is set from it every iteration. Each iteration: ld a0, 0(s0); sd a3, 64(a1);
     * sd a0, 128(a1); ld a4, 64(s0) (64 bytes apart: no access group); a5 += a4 + a0; a3 += 1. The second load must see the store, also
     * when the store copied the page.
     */
    static Hart aliased(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        mem.write32(at, ld(10, 8, 0)); at += 4;      // ld a0, 0(s0)
        mem.write32(at, add(11, 8, 0)); at += 4;     // mv a1, s0
        mem.write32(at, sd(13, 11, 64)); at += 4;    // sd a3, 64(a1)
        mem.write32(at, sd(10, 11, 128)); at += 4;   // sd a0, 128(a1) (a1's second access: a pair needs two)
        mem.write32(at, ld(14, 8, 64)); at += 4;     // ld a4, 64(s0)
        mem.write32(at, add(15, 15, 14)); at += 4;   // add a5, a5, a4
        mem.write32(at, add(15, 15, 10)); at += 4;   // add a5, a5, a0
        mem.write32(at, addi(13, 13, 1)); at += 4;   // addi a3, a3, 1
        mem.write32(at, j((int) (LOOP - at), 0));    // j loop
        h.x[8] = DATA;
        h.pc = LOOP;
        return h;
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (int k = 0; k < 3 * 512 + 2; k++) {
            assertEquals(ref.bus().ram().read64(DATA + 8L * k), jit.bus().ram().read64(DATA + 8L * k), "doubleword " + k);
        }
    }

    /** Runs {@code h} on by 100,000 instructions at a time until a hot-tier unit in the loop is live (a watchdog of 60 s, not a measure). */
    static void runUntilHot(Hart h, int instructions) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (long pc = LOOP; pc < LOOP + 4L * instructions; pc += 4) {
                TranslatedUnit u = h.codeCache.unitAt(pc - BASE);
                if (u != null && u.hot && !u.dead) return;
            }
            HotTierTest.runTo(h, h.instret + 100_000);
        }
    }

    /** The most pairs of the live hot-tier units whose entry is in the first {@code instructions} of the loop; fails if none. */
    static int hotUnitsPairs(Hart h, int instructions) {
        int most = -1;
        for (long pc = LOOP; pc < LOOP + 4L * instructions; pc += 4) {
            TranslatedUnit u = h.codeCache.unitAt(pc - BASE);
            if (u != null && u.hot && !u.dead) most = Math.max(most, u.basePages);
        }
        assertTrue(most >= 0, "a hot-tier unit in the loop: " + h.translationStats());
        return most;
    }

    @Test
    void aRegisterResetByMvKeepsAPairOverPagesAtEveryBudget() {
        for (int f = 0; f < FORMS; f++) {
            form(f);
            walk("form " + f);
        }
        form(0);
    }

    private void walk(String form) {
        long units = Translator.pageRegUnits.get();
        Hart jit = AccessGroupsTest.hot(walker(true)), ref = walker(false);
        for (long to = 100_000; to <= 600_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            sameState(ref, jit);
        }
        runUntilHot(jit, 6);
        sameState(ref, jit);
        assertTrue(hotUnitsPairs(jit, 6) >= 1, form + ": a1, set by mv every iteration, keeps a pair in the hot unit");
        assertTrue(Translator.pageRegUnits.get() > units, form + ": counted as a pageRegs build");
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 50; k++) jit.run(4096); // over page boundaries (and the crossing doublewords) many times
        sameState(ref, jit);
    }

    @Test
    void aCopyOnWriteBetweenTwoLoadsThroughAPairIsSeenAndTheFrozenViewKept() {
        for (int f = 0; f < FORMS; f++) {
            form(f);
            copyOnWrite("form " + f);
        }
        form(0);
    }

    private void copyOnWrite(String form) {
        Hart jit = AccessGroupsTest.hot(aliased(true)), ref = aliased(false);
        HotTierTest.runTo(jit, 200_000);
        runUntilHot(jit, 9);
        sameState(ref, jit);
        assertTrue(hotUnitsPairs(jit, 9) >= 2, form + ": s0 and a1 keep pairs");
        int page = (int) ((DATA - BASE) >>> 12);
        for (int round = 0; round < 20; round++) {
            // A checkpoint's freeze: the next store copies the page (and drops the TLB's write entries) while the unit
            // runs, between the two loads through s0's pair.
            var frozen = jit.bus().ram().freeze();
            long before = jit.bus().ram().read64(DATA + 64);
            jit.run(4096);
            byte[] kept = frozen.page(page);
            long frozenValue = java.nio.ByteBuffer.wrap(kept, 64, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(before, frozenValue, form + ", round " + round + ": the frozen view of the page is as at the freeze");
            frozen.release();
            sameState(ref, jit);
        }
    }

    /** Off (the default): no pairs in hot units (round 35's basePages off too); on: none in C1 units, none in user-mode hot builds unless pageRegsUser. */
    @Test
    void offNoPairsAndC1UnitsNone() {
        Translator.pageRegs = 0;
        try {
            Hart jit = AccessGroupsTest.hot(walker(true)), ref = walker(false);
            HotTierTest.runTo(jit, 300_000);
            runUntilHot(jit, 6);
            sameState(ref, jit);
            assertEquals(0, hotUnitsPairs(jit, 6), "no pairs with the switch off");
        } finally {
            Translator.pageRegs = 4;
        }
        Hart h = walker(true);
        byte[] code = new byte[4096];
        h.bus().ram().readBytes(LOOP & ~0xfffL, code, 0, 4096);
        assertEquals(0, new Translator().translate(code, 0, (int) (LOOP & 0xfff)).basePages, "a C1 unit keeps none");
        assertTrue(new Translator().translate(code, 0, null, -1, (int) (LOOP & 0xfff), true).basePages >= 1,
                "a hot build of the same page keeps a pair");
        Translator user = new Translator();
        user.userMode = true;
        assertEquals(0, user.translate(code, 0, null, -1, (int) (LOOP & 0xfff), true).basePages,
                "a user-mode hot build keeps none (pageRegsUser off)");
        Translator.pageRegsUser = true;
        try {
            assertTrue(user.translate(code, 0, null, -1, (int) (LOOP & 0xfff), true).basePages >= 1,
                    "a user-mode hot build keeps a pair with pageRegsUser");
        } finally {
            Translator.pageRegsUser = Boolean.getBoolean("vmckpt.jit.pageRegsUser");
        }
    }
}
