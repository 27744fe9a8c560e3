package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Translator#accessGroupFallback}: a group whose span crosses a page (its page local null) sends each of its
 * accesses to that access's own TLB check first, so a hit there goes on without a call into the hart.
 * {@link AccessGroupsTest}'s walker crosses a page with both its groups once every 512 iterations, with every page it
 * touches in the TLB: in a hot unit with the fallback and without it (round 64's code), against the interpreter. (Until
 * round 84 the walks also counted the slow paths that called the hart, through the hot tier's miss exits, which were
 * retired with Translator.missLeaves; the fallback's code is held by {@link #eachGroupedAccessCarriesItsOwnCheck}.)
 */
class AccessGroupFallbackTest {
    @AfterEach
    void asBefore() {
        Translator.accessGroups = Translator.accessGroupsProperty();
        Translator.accessGroupsHotOnly = Translator.accessGroupsHotOnlyProperty();
        Translator.accessGroupFallback = !"false".equals(System.getProperty("vmckpt.jit.accessGroupFallback"));
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

    /** The live hot-tier units whose entry is in the walker's loop. */
    static long hotUnits(Hart h) {
        long units = 0;
        for (long pc = AccessGroupsTest.LOOP; pc < AccessGroupsTest.LOOP + 4 * 40; pc += 4) {
            TranslatedUnit u = h.codeCache.unitAt(pc - AccessGroupsTest.BASE);
            if (u == null || !u.hot) continue;
            units++;
            assertTrue(u.accessGroups > 0, "the hot unit has groups");
        }
        return units;
    }

    /** Runs the walker to 4 M instructions against the interpreter, its loop promoted to a hot unit with groups. */
    static void walk(boolean fallback) {
        Translator.accessGroups = true;
        Translator.accessGroupFallback = fallback;
        Hart jit = walker(true), ref = walker(false);
        for (long to = 100_000; to <= 4_000_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            AccessGroupsTest.sameState(ref, jit);
        }
        assertTrue(hotUnits(jit) > 0, "promoted: " + jit.translationStats());
    }

    @Test
    void aGroupAcrossAPageTakesItsAccessesOwnChecks() {
        walk(true); // (~100 passes of 3 pages, each 3 crossings per group: ~600 crossings through the fallback's checks)
    }

    @Test
    void withoutTheFallbackEveryCrossingCallsTheHart() {
        walk(false);
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
