package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Translator#accessGroupFallback}: a group whose span crosses a page (its page local null) sends each of its
 * accesses to that access's own TLB check first, so a hit there goes on without a call into the hart. Seen through the
 * hot tier's miss exits ({@link Translator#missLeaves}: every slow path that calls the hart leaves the unit, counted in
 * {@link TranslatedUnit#missExits}): {@link AccessGroupsTest}'s walker crosses a page with both its groups once every
 * 512 iterations, with every page it touches in the TLB. With the fallback no slow path calls the hart once the TLB is
 * warm; without it (round 64's code) every crossing does. Both against the interpreter.
 */
class AccessGroupFallbackTest {
    @AfterEach
    void asBefore() {
        Translator.accessGroups = Translator.accessGroupsProperty();
        Translator.accessGroupsHotOnly = Translator.accessGroupsHotOnlyProperty();
        Translator.accessGroupFallback = !"false".equals(System.getProperty("vmckpt.jit.accessGroupFallback"));
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.missLeavesAdaptive = Boolean.getBoolean("vmckpt.jit.missLeavesAdaptive");
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
    }

    /** The walker with the hot tier: its loop promoted after 20,000 instructions, built synchronously. */
    static Hart walker(boolean translated) {
        Hart h = AccessGroupsTest.walker(translated);
        if (translated) {
            h.setTranslationThreshold(1);
            h.setPromotionThreshold(20_000);
            h.codeCache.hotMinRun = 0;
            h.codeCache.promoteUncompiled = true;
            h.codeCache.hotRecheck = 2_000;
        }
        return h;
    }

    /** The live hot-tier units whose entry is in the walker's loop, and their miss exits. */
    static long[] hotUnitsAndMissExits(Hart h) {
        long units = 0, exits = 0;
        for (long pc = AccessGroupsTest.LOOP; pc < AccessGroupsTest.LOOP + 4 * 40; pc += 4) {
            TranslatedUnit u = h.codeCache.unitAt(pc - AccessGroupsTest.BASE);
            if (u == null || !u.hot) continue;
            units++;
            exits += Integer.toUnsignedLong(u.missExits);
            assertTrue(u.accessGroups > 0, "the hot unit has groups");
        }
        return new long[] {units, exits};
    }

    /** Runs the walker to 4 M instructions with the hot tier's miss exits counted; returns them (after the promotion). */
    static long missExitsOfAWalk(boolean fallback) {
        Translator.accessGroups = true;
        Translator.accessGroupFallback = fallback;
        Translator.missLeaves = true;
        Translator.missLeavesAdaptive = true; // (counts the miss exits; a crossing each 12,800 instructions is rare: no rebuild)
        Hart jit = walker(true), ref = walker(false);
        for (long to = 100_000; to <= 4_000_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            AccessGroupsTest.sameState(ref, jit);
        }
        long[] ue = hotUnitsAndMissExits(jit);
        assertTrue(ue[0] > 0, "promoted: " + jit.translationStats());
        assertEquals(0, jit.codeCache.missRebuilds, "no rebuild without the miss exits");
        return ue[1];
    }

    @Test
    void aGroupAcrossAPageTakesItsAccessesOwnChecks() {
        long exits = missExitsOfAWalk(true);
        // ~100 passes of 3 pages, each 3 crossings per group: ~600 crossings. The TLB holds every page touched, so
        // the accesses' own checks hit; a miss exit is left only for a TLB fill (a few, if the unit met one at all).
        assertTrue(exits <= 16, exits + " miss exits with the fallback");
    }

    @Test
    void withoutTheFallbackEveryCrossingCallsTheHart() {
        long exits = missExitsOfAWalk(false);
        assertTrue(exits >= 100, exits + " miss exits without the fallback (round 64's code)");
    }

    /**
     * The shape: each of the eight grouped loads carries its own check in its slow path (more than 20 bytes each), before
     * the hart's full access. (Without {@link Translator#c1MissLeaves}, under which a C1 unit's miss leaves instead
     * of the full access, so the stub is the check and the leave.)
     */
    @Test
    void eachGroupedAccessCarriesItsOwnCheck() {
        byte[] page = AccessGroupsTest.eightLoads();
        Translator.accessGroups = true;
        Translator.c1MissLeaves = false; // (C1MissLeavesTest)
        // A C1 unit (with C1 units' groups) and a hot-tier unit (which has them with accessGroupsHotOnly too).
        for (boolean hot : new boolean[] {false, true}) {
            Translator.accessGroupsHotOnly = false;
            Translator t = new Translator();
            Translator.accessGroupFallback = false;
            t.translate(page, 7, null, -1, 0x100, hot);
            int without = t.lastBytecodeSize;
            Translator.accessGroupFallback = true;
            assertEquals(1, t.translate(page, 7, null, -1, 0x100, hot).accessGroups, "hot " + hot);
            int with = t.lastBytecodeSize;
            assertTrue(with > without + 8 * 20, "hot " + hot + ": bytecode with the fallback " + with + ", without " + without);
            assertTrue(with < without + 8 * 60, "hot " + hot + ": the check out of line: " + with + " against " + without);
        }
    }
}
