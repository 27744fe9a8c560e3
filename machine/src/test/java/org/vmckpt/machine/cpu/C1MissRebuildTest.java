package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link CodeCache#c1MissRebuild} (round 68): a C1 unit built with {@link Translator#c1MissLeaves} that leaves before a
 * miss every few instructions is built again with the slow paths' calls and replaced, and then runs its loop without
 * leaving; a unit whose accesses hit, or miss rarely, keeps the leaves (the compact build). Counts from the code cache,
 * never times. The differential test's {@code c1MissLeavesRebuiltInBothTiers} compares whole random programs.
 */
class C1MissRebuildTest {
    static final long BASE = C1MissLeavesTest.BASE, LOOP = C1MissLeavesTest.LOOP;

    @BeforeEach
    void on() {
        Translator.c1MissLeaves = true;
        CodeCache.c1MissRebuild = 16;
        CodeCache.c1MissInsns = 1_000;
    }

    @AfterEach
    void asBefore() {
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
        CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
        CodeCache.c1MissInsns = CodeCache.C1_MISS_INSNS;
    }

    /**
     * C1MissLeavesTest's loop whose loads and stores straddle a page end: each iteration's first such access misses, so
     * the compact C1 unit leaves in every run. At its 16th leave it is built again with the calls, that build takes the
     * loop's entry, and from then on the loop runs in it without leaving (no deferral in 80,000 more instructions),
     * with the interpreter's state.
     */
    @Test
    void aUnitLeavingInEveryRunIsRebuiltAndThenRunsItsLoopWithoutLeaving() {
        Hart jit = C1MissLeavesTest.straddler(true), ref = C1MissLeavesTest.straddler(false);
        jit.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        UnitWarmUp.runTranslated(jit, 5_000);
        CodeCache cc = jit.codeCache;
        assertTrue(cc.c1MissLeft >= 16, "the compact unit left before its misses: " + cc.missLeaveSummary());
        assertEquals(1, cc.c1MissRebuildsInstalled, "one rebuild installed: " + cc.missLeaveSummary());
        TranslatedUnit u = cc.unitAt(LOOP - BASE);
        assertNotNull(u, "a unit at the loop");
        assertFalse(u.leavesBeforeMiss, "the loop's unit is the rebuild, with the calls");
        long left = cc.c1MissLeft, deferrals = jit.translationStats().deferrals(), inUnits = jit.translationStats().translatedInstructionsRun();
        for (int k = 0; k < 20; k++) jit.run(4096);
        assertTrue(jit.translationStats().translatedInstructionsRun() - inUnits > 70_000, "the loop ran in its unit: " + jit.translationStats());
        assertEquals(left, cc.c1MissLeft, "no leave before a miss since");
        assertEquals(deferrals, jit.translationStats().deferrals(), "no deferral since: " + jit.translationStats());
        C1MissLeavesTest.sameState(ref, jit);
        for (int budget = 1; budget <= 30; budget++) {
            jit.run(budget);
            C1MissLeavesTest.sameState(ref, jit);
        }
    }

    /** The same loop with its accesses inside one page (x9 in the middle of it): no miss after the first, no rebuild. */
    @Test
    void aUnitWhoseAccessesHitStaysCompact() {
        Hart jit = C1MissLeavesTest.straddler(true), ref = C1MissLeavesTest.straddler(false);
        jit.x[9] = ref.x[9] = C1MissLeavesTest.DATA + 0x800;
        UnitWarmUp.runTranslated(jit, 100_000);
        CodeCache cc = jit.codeCache;
        TranslatedUnit u = cc.unitAt(LOOP - BASE);
        assertNotNull(u, "a unit at the loop");
        assertTrue(u.leavesBeforeMiss, "the loop's unit is the compact one, leaving before a miss");
        assertTrue(cc.c1MissLeft < 16, "it hardly left: " + cc.missLeaveSummary());
        assertEquals(0, cc.c1MissRebuilds, "no rebuild: " + cc.missLeaveSummary());
        C1MissLeavesTest.sameState(ref, jit);
    }

    /**
     * A loop that stores a doubleword an iteration through 24 fresh pages (each new one a write miss): its unit leaves
     * once in 512 iterations (2,048 instructions), more than {@link CodeCache#c1MissInsns} at its look after the 16th
     * leave, so it keeps the leaves.
     */
    @Test
    void aUnitLeavingRarelyStaysCompact() {
        long data = BASE + 0x20000;
        Hart[] harts = new Hart[2];
        for (int t = 0; t < 2; t++) {
            Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
            h.setTranslation(t == 0);
            h.setTranslationThreshold(16);
            GuestMemory mem = h.bus().ram();
            long at = LOOP;
            int[] body = {
                    sd(14, 9, 0),      // sd a4, 0(s1)
                    addi(14, 14, 7),
                    addi(9, 9, 8),     // s1 += 8
            };
            for (int insn : body) { mem.write32(at, insn); at += 4; }
            mem.write32(at, j((int) (LOOP - at), 0)); // j loop
            h.x[9] = data;
            h.pc = LOOP;
            harts[t] = h;
        }
        Hart jit = harts[0], ref = harts[1];
        TranslatedUnit u = UnitWarmUp.unitAt(jit, LOOP, BASE); // (compiled: the dispatcher runs it from here on)
        long end = jit.instret + 24 * 512 * 4; // 24 more pages
        while (jit.instret < end) jit.run((int) Math.min(4096, end - jit.instret));
        CodeCache cc = jit.codeCache;
        assertSame(u, cc.unitAt(LOOP - BASE), "the loop's unit");
        assertTrue(cc.c1MissLeft >= 20, "it left at the fresh pages: " + cc.missLeaveSummary());
        assertTrue(u.leavesBeforeMiss, "the loop's unit is the compact one");
        assertEquals(0, cc.c1MissRebuilds, "no rebuild: " + cc.missLeaveSummary());
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.pc, jit.pc);
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (long a = data; a < data + 0x19000; a += 8) assertEquals(ref.bus().ram().read64(a), jit.bus().ram().read64(a), "at " + Long.toHexString(a));
    }
}
