package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The adaptive rule of {@link Translator#missLeaves} ({@link Translator#missLeavesAdaptive}, CodeCache#missLook): a
 * hot-tier unit that retires fewer than {@link CodeCache#missLeavesInsns} instructions per miss exit is built once more
 * without the miss exits, and that build takes its place for good; a unit whose misses are rare keeps its miss
 * exits. The hart goes on exactly as the interpreter throughout. The loop loads from two pages whose TLB entries are the
 * same slot (4 MiB apart with a 1,024-entry TLB), so that every iteration's first load misses. (Without the rule, the
 * first test's unit keeps its miss exits: it fails.)
 */
class MissLeavesAdaptiveTest {
    static final long BASE = 0x8000_0000L, KEY = 0, A = BASE + 0x10000, B = A + ((long) Hart.TLB_SIZE << 12);

    @AfterEach
    void restore() {
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.missLeavesAdaptive = Boolean.getBoolean("vmckpt.jit.missLeavesAdaptive");
        Translator.missCheck = Translator.MISS_CHECK;
    }

    /**
     * loop: x5 = [A]; (x7 = [B] every iteration, or once in 2,048 with {@code rare}); x11 += x5 + x7; x6 += 1; j loop.
     * With {@code rare} the second load is skipped unless x6's low 11 bits are 0, so the first load misses only after it
     * (once in ~16,000 instructions).
     */
    static Hart hart(boolean translate, boolean rare) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 8 << 20)), () -> 0);
        if (translate) {
            h.setTranslation(true);
            h.setTranslationThreshold(1);
            h.setPromotionThreshold(20_000);
            h.codeCache.hotShare = 0;
            h.codeCache.hotMinRun = 0;
            h.codeCache.hotBriefRunsPercent = 0;
            h.codeCache.hotMaxBytecode = 0;
            h.codeCache.hotProfileRuns = 0;
            h.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look, as in deterministic mode
            h.codeCache.hotRecheck = 2_000;
        }
        int[] code = {
                ld(5, 10, 0),        // 0:  x5 = [A]
                i(2047, 6, 7, 8, 0x13), // 4:  andi x8, x6, 2047
                rare ? b(8, 0, 8, 1) : addi(0, 0, 0), // 8: bne x8, x0, +8 (skip the load of B) / nop
                ld(7, 13, 0),        // 12: x7 = [B]
                add(11, 11, 5),      // 16
                add(11, 11, 7),      // 20
                addi(6, 6, 1),       // 24
                j(-28, 0)};          // 28: j 0
        GuestMemory m = h.bus().ram();
        for (int k = 0; k < code.length; k++) m.write32(BASE + 4L * k, code[k]);
        m.write64(A, 3);
        m.write64(B, 5);
        h.x[10] = A;
        h.x[13] = B;
        h.pc = BASE;
        return h;
    }

    static void run(Hart jit, Hart ref, long to) {
        HotTierTest.runTo(jit, to);
        HotTierTest.runTo(ref, to);
        assertEquals(ref.pc, jit.pc);
        for (int r = 5; r <= 13; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at " + to);
    }

    @Test
    void aHotUnitThatMissesOftenIsBuiltAgainWithTheCallOnce() {
        Translator.missLeaves = true;
        Translator.missLeavesAdaptive = true;
        Hart jit = hart(true, false), ref = hart(false, false);
        run(jit, ref, 100_000); // promoted: the hot unit with miss exits
        TranslatedUnit first = jit.codeCache.unitAt(KEY);
        assertTrue(first != null && first.hot, "promoted: " + jit.translationStats());
        for (long to = 200_000; to <= 2_000_000; to += 100_000) run(jit, ref, to);
        TranslatedUnit now = jit.codeCache.unitAt(KEY);
        assertTrue(now.hot, "still a hot-tier unit");
        assertFalse(now.missLeaving, "rebuilt without the miss exits");
        assertEquals(0, now.missExits);
        // (A batch may begin inside the loop: a unit entered there is hot too, and is rebuilt as well.)
        long rebuilds = jit.codeCache.missRebuilds;
        assertTrue(rebuilds >= 1);
        assertTrue(jit.codeCache.missRebuildsInstalled >= 1 && jit.codeCache.missRebuildsInstalled <= rebuilds);
        assertTrue(first.dead, "the unit with miss exits was replaced");
        // Once: the rebuild is never looked at again, and the loop runs on in it.
        run(jit, ref, 4_000_000);
        assertSame(now, jit.codeCache.unitAt(KEY));
        assertEquals(rebuilds, jit.codeCache.missRebuilds);
    }

    @Test
    void aHotUnitWhoseMissesAreRareKeepsItsMissExits() {
        Translator.missLeaves = true;
        Translator.missLeavesAdaptive = true;
        Translator.missCheck = 16; // (looked at every 16 miss exits: ~30 looks in the run)
        Hart jit = hart(true, true), ref = hart(false, true);
        for (long to = 100_000; to <= 6_000_000; to += 100_000) run(jit, ref, to);
        TranslatedUnit u = jit.codeCache.unitAt(KEY);
        assertTrue(u != null && u.hot, "promoted: " + jit.translationStats());
        assertTrue(u.missLeaving);
        assertTrue(Integer.toUnsignedLong(u.missExits) >= 2 * Translator.missCheck, "it was looked at: " + u.missExits + " miss exits");
        assertEquals(0, jit.codeCache.missRebuilds);
    }

    @Test
    void withoutTheRuleTheUnitKeepsItsMissExits() {
        Translator.missLeaves = true;
        Translator.missLeavesAdaptive = false;
        Hart jit = hart(true, false), ref = hart(false, false);
        for (long to = 100_000; to <= 2_000_000; to += 100_000) run(jit, ref, to);
        TranslatedUnit u = jit.codeCache.unitAt(KEY);
        assertTrue(u != null && u.hot && u.missLeaving);
        assertEquals(0, jit.codeCache.missRebuilds);
    }
}
