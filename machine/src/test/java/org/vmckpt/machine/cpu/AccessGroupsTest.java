package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Access groups ({@link Translator#accessGroups}): the loads or stores of a block through one unchanged base register
 * share one TLB check. SHA-256's shape (a word put together from four {@code lbu} through a stepping pointer, stored
 * with {@code sw}) walked over page boundaries from a misaligned start, so that groups cross pages; a store through
 * another register between two grouped loads of one address, with the page copied on write (a checkpoint's freeze)
 * in between; both against the interpreter at every small budget. And the bytecode: one check for eight loads.
 */
class AccessGroupsTest {
    /**
     * The groups in C1 units as well ({@link Translator#accessGroupsHotOnly} off), whatever the JVM's switches: these
     * cases look at the groups' code in the units the translator builds first; the hot tier's are the {@code InAHotUnit}
     * cases and AccessGroupFallbackTest.
     */
    @BeforeAll
    static void on() {
        Translator.accessGroups = true;
        Translator.accessGroupsHotOnly = false;
        Translator.c1MissLeaves = false; // (C1 units that leave before a miss have no groups: C1MissLeavesTest)
    }

    @AfterAll
    static void asBefore() {
        Translator.accessGroups = Translator.accessGroupsProperty();
        Translator.accessGroupsHotOnly = Translator.accessGroupsHotOnlyProperty();
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
    }

    /**
     * {@code h} with the hot tier (a translated hart): its loop promoted after 20,000 instructions, built on the
     * guest's thread, with or without C1 units' groups ({@code hotOnly}). Every unit runs as soon as it is built
     * ({@link CodeCache#runUncompiled}, {@link CodeCache#promoteUncompiled}: HotSpot runs it interpreted until it has
     * compiled it, with the same effects), so which units run, where batches begin and which entries of the loop are
     * promoted by a given count depend on the instructions alone, not on when HotSpot's queue gets to each C1 unit (the
     * timed probe of {@link CodeCache#ready}). With that probe, {@link #aCopyOnWriteBetweenTwoGroupedLoadsIsSeenInAHotUnit}
     * failed in round 76's CI ("s0's two loads are a group": only entries inside the loop, whose blocks split the two
     * loads, were hot by 200,000) and passed alone; round 77 made it fail at will by holding each C1 unit back from
     * running for a random 0.6-2 M instructions (a scratch edit of the probe).
     */
    static Hart hot(Hart h) {
        h.setTranslationThreshold(1);
        h.codeCache.runUncompiled = true;
        h.setPromotionThreshold(20_000);
        h.codeCache.hotMinRun = 0;
        h.codeCache.promoteUncompiled = true;
        h.codeCache.hotRecheck = 2_000;
        return h;
    }

    /**
     * The most groups of the live hot-tier units whose entry is in the first {@code instructions} of the loop (a batch
     * may begin inside the loop, so another entry may be promoted as well, or first, and its blocks cut a group);
     * fails if there is none.
     */
    static int hotUnitsGroups(Hart h, int instructions) {
        int most = -1;
        for (long pc = LOOP; pc < LOOP + 4L * instructions; pc += 4) {
            TranslatedUnit u = h.codeCache.unitAt(pc - BASE);
            if (u != null && u.hot && !u.dead) most = Math.max(most, u.accessGroups);
        }
        assertTrue(most >= 0, "a hot-tier unit in the loop: " + h.translationStats());
        return most;
    }

    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000, OUT = BASE + 0x20000;

    static int slli(int rd, int rs1, int sh) { return i(sh, rs1, 1, rd, 0x13); }
    static int or(int rd, int rs1, int rs2) { return r(0, rs2, rs1, 6, rd, 0x33); }

    /**
     * a5 (x15) walks 3 pages of bytes from DATA + 3 in steps of 8; each iteration builds two big-endian words of four
     * lbu each and stores them with two sw through t1 (x6), which walks OUT + 4 in steps of 8; s2 (x18) marks the end.
     * Then both pointers go back by 3 pages and the walk starts again.
     */
    static Hart walker(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        int[] code = {
            lbu(28, 15, 0), lbu(29, 15, 1), lbu(30, 15, 2), lbu(31, 15, 3),
            slli(28, 28, 24), slli(29, 29, 16), slli(30, 30, 8), or(28, 28, 29), or(28, 28, 30), or(28, 28, 31),
            lbu(10, 15, 4), lbu(11, 15, 5), lbu(12, 15, 6), lbu(13, 15, 7),
            slli(10, 10, 24), slli(11, 11, 16), slli(12, 12, 8), or(10, 10, 11), or(10, 10, 12), or(10, 10, 13),
            sw(28, 6, 0), sw(10, 6, 4),
            addi(15, 15, 8), addi(6, 6, 8),
        };
        for (int c : code) { mem.write32(at, c); at += 4; }
        mem.write32(at, b((int) (LOOP - at), 18, 15, 1)); at += 4; // bne a5, s2, loop
        for (int k = 0; k < 6; k++) { mem.write32(at, addi(15, 15, -2048)); at += 4; }
        for (int k = 0; k < 6; k++) { mem.write32(at, addi(6, 6, -2048)); at += 4; }
        mem.write32(at, j((int) (LOOP - at), 0));                  // j loop
        for (int k = 0; k < 3 * 4096 + 8; k++) mem.write8(DATA + k, (byte) (k * 37 + 11));
        h.x[15] = DATA + 3;
        h.x[6] = OUT + 4;
        h.x[18] = DATA + 3 + 3 * 4096;
        h.pc = LOOP;
        return h;
    }

    /**
     * s0 (x8) stays at DATA; a1 (x11) is set from it every iteration (no group of s0's). Each iteration: ld a0, 0(s0);
     * sd a3, 0(a1); ld a4, 0(s0) (a group of two loads with the store between); a5 += a4; a3 += 1. The second load must
     * see the store, also when the store copied the page.
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

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (long a = OUT; a < OUT + 3 * 4096 + 16; a += 8) {
            assertEquals(ref.bus().ram().read64(a), jit.bus().ram().read64(a), "out at " + Long.toHexString(a));
        }
        assertEquals(ref.bus().ram().read64(DATA), jit.bus().ram().read64(DATA), "data");
    }

    @Test
    void bytesWalkedOverPagesGiveTheInterpretersState() {
        Hart jit = walker(true), ref = walker(false);
        UnitWarmUp.runTranslated(jit, 200_000);
        TranslatedUnit u = UnitWarmUp.unitAt(jit, LOOP, BASE);
        assertEquals(2, u.accessGroups, "a5's eight loads, t1's two stores");
        sameState(ref, jit);
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 60; k++) jit.run(4096); // every group's span crosses a page now and then (a5 starts at +3)
        sameState(ref, jit);
    }

    /**
     * The walk in a hot-tier unit, with C1 units' groups ({@code hotOnly} off) and without them (on: the C1 units
     * before the promotion check each access alone): its groups cross pages as above, against the interpreter.
     */
    @Test
    void bytesWalkedOverPagesInAHotUnit() {
        for (boolean hotOnly : new boolean[] {false, true}) {
            Translator.accessGroupsHotOnly = hotOnly;
            try {
                Hart jit = hot(walker(true)), ref = walker(false);
                for (long to = 100_000; to <= 1_000_000; to += 100_000) {
                    HotTierTest.runTo(jit, to);
                    sameState(ref, jit);
                }
                assertTrue(hotUnitsGroups(jit, 25) > 0, "hotOnly " + hotOnly + ": a hot unit has groups");
                for (int budget = 1; budget <= 40; budget++) {
                    jit.run(budget);
                    sameState(ref, jit);
                }
            } finally {
                Translator.accessGroupsHotOnly = false;
            }
        }
    }

    /** As {@link #aCopyOnWriteBetweenTwoGroupedLoadsIsSeen} in a hot-tier unit, with and without C1 units' groups. */
    @Test
    void aCopyOnWriteBetweenTwoGroupedLoadsIsSeenInAHotUnit() {
        for (boolean hotOnly : new boolean[] {false, true}) {
            Translator.accessGroupsHotOnly = hotOnly;
            try {
                Hart jit = hot(aliased(true)), ref = aliased(false);
                HotTierTest.runTo(jit, 200_000);
                sameState(ref, jit);
                assertTrue(hotUnitsGroups(jit, 7) > 0, "hotOnly " + hotOnly + ": s0's two loads are a group");
                for (int round = 0; round < 20; round++) {
                    var frozen = jit.bus().ram().freeze();
                    jit.run(4096);
                    frozen.release();
                    sameState(ref, jit);
                }
            } finally {
                Translator.accessGroupsHotOnly = false;
            }
        }
    }

    @Test
    void aCopyOnWriteBetweenTwoGroupedLoadsIsSeen() {
        Hart jit = aliased(true), ref = aliased(false);
        UnitWarmUp.runTranslated(jit, 200_000);
        TranslatedUnit u = UnitWarmUp.unitAt(jit, LOOP, BASE);
        assertEquals(1, u.accessGroups, "s0's two loads are a group");
        sameState(ref, jit);
        for (int round = 0; round < 20; round++) {
            // A checkpoint's freeze: the store copies the page (and drops the TLB's entries of the old array) between
            // the group's two loads.
            var frozen = jit.bus().ram().freeze();
            jit.run(4096);
            frozen.release();
            sameState(ref, jit);
        }
    }

    /**
     * Eight word loads through one register: one TLB check instead of eight, so less bytecode; none without the switch.
     * The units are built with the accesses' slow paths of round 64 ({@link Translator#accessGroupFallback} off: with it
     * each access carries its own check out of line, AccessGroupFallbackTest) and full slow paths
     * ({@link Translator#c1MissLeaves} off, under which an ungrouped access has no slow path at all).
     */
    @Test
    void eightLoadsShareOneCheck() {
        byte[] page = eightLoads();
        boolean fallback = Translator.accessGroupFallback;
        try {
            Translator.c1MissLeaves = false; // (C1 units alone: C1MissLeavesTest)
            Translator.accessGroupFallback = false;
            Translator t = new Translator();
            Translator.accessGroups = true;
            TranslatedUnit with = t.translate(page, 7, 0x100);
            int withBytes = t.lastBytecodeSize;
            Translator.accessGroups = false;
            TranslatedUnit without = t.translate(page, 7, 0x100);
            int withoutBytes = t.lastBytecodeSize;
            assertEquals(1, with.accessGroups, "one group");
            assertEquals(0, without.accessGroups, "none when off");
            assertTrue(withBytes < withoutBytes - 7 * 15, "bytecode with the group " + withBytes + ", without " + withoutBytes);
        } finally {
            Translator.accessGroups = true;
            Translator.accessGroupFallback = fallback;
        }
    }

    /** lw a0..a7, 0..28(s1); ret (at 0x100 of a page). */
    static byte[] eightLoads() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        for (int k = 0; k < 8; k++) { b.putInt(at, lw(10 + k, 9, 4 * k)); at += 4; } // (32 bytes: within MAX_SPAN)
        b.putInt(at, i(0, 1, 0, 0, 0x67)); // ret
        return page;
    }

    /** Loads further apart than MAX_SPAN are two groups (a group that crosses a page at run time has no fast access). */
    @Test
    void aSpanOverTheBoundIsTwoGroups() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        int step = AccessGroups.MAX_SPAN / 2;
        for (int k = 0; k < 4; k++) { b.putInt(at, ld(10 + k, 9, step * k)); at += 4; }
        b.putInt(at, i(0, 1, 0, 0, 0x67)); // ret
        assertEquals(2, new Translator().translate(page, 7, 0x100).accessGroups, "offsets 0, " + step + " | " + 2 * step + ", " + 3 * step);
    }

    /** C1 units that leave before a miss ({@link Translator#c1MissLeaves}) have no groups; hot-tier units keep theirs. */
    @Test
    void c1UnitsThatLeaveBeforeAMissHaveNoGroups() {
        byte[] page = eightLoads();
        try {
            Translator.c1MissLeaves = true;
            assertEquals(0, new Translator().translate(page, 7, null, -1, 0x100, false).accessGroups, "C1");
            assertEquals(1, new Translator().translate(page, 7, null, -1, 0x100, true).accessGroups, "hot tier");
            Translator.c1MissLeaves = false;
            assertEquals(1, new Translator().translate(page, 7, null, -1, 0x100, false).accessGroups, "C1 without the leaves");
        } finally {
            Translator.c1MissLeaves = false; // (this class's setting: see on())
        }
    }

    /** With {@code accessGroupsHotOnly} C1 units check each access alone; hot-tier units keep their groups. */
    @Test
    void hotOnlyLeavesC1UnitsWithoutGroups() {
        byte[] page = eightLoads();
        try {
            Translator.accessGroupsHotOnly = true;
            assertEquals(0, new Translator().translate(page, 7, null, -1, 0x100, false).accessGroups, "C1");
            assertEquals(1, new Translator().translate(page, 7, null, -1, 0x100, true).accessGroups, "hot tier");
            Translator.accessGroupsHotOnly = false;
            assertEquals(1, new Translator().translate(page, 7, null, -1, 0x100, false).accessGroups, "C1 without it");
        } finally {
            Translator.accessGroupsHotOnly = false;
        }
    }

    /** A group ends where its base register is written: a load into its own base is its group's last access. */
    @Test
    void aWriteOfTheBaseEndsTheGroup() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        b.putInt(at, ld(10, 9, 0)); at += 4;   // ld a0, 0(s1)
        b.putInt(at, ld(9, 9, 8)); at += 4;    // ld s1, 8(s1): the group's last
        b.putInt(at, ld(11, 9, 0)); at += 4;   // ld a1, 0(s1): another s1
        b.putInt(at, ld(12, 9, 16)); at += 4;  // ld a2, 16(s1): with it, a second group
        b.putInt(at, i(0, 1, 0, 0, 0x67));     // ret
        assertEquals(2, new Translator().translate(page, 7, 0x100).accessGroups);
    }
}
