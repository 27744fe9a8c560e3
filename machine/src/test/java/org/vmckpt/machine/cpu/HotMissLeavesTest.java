package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#hotMissLeaves} (round 69): a C1 unit that rarely left before a missing access
 * ({@link Translator#c1MissLeaves}) is promoted to a hot-tier build with {@link Translator#missLeaves}' exits; one that
 * left often (and so was rebuilt with the calls, CodeCache#missLeft) gets the rejoining calls; a hot unit built with
 * the exits that then misses often is built again with the calls (CodeCache#missLook). The hart goes on exactly as
 * the interpreter throughout, including at the hot units' miss exits. The loop loads from two pages whose TLB entries
 * are the same slot (4 MiB apart with a 1,024-entry TLB), so each load of B evicts A and the next load of A misses.
 */
class HotMissLeavesTest {
    static final long BASE = 0x8000_0000L, A = BASE + 0x10000, B = A + ((long) Hart.TLB_SIZE << 12);

    @BeforeEach
    void c1UnitsLeaveBeforeAMiss() {
        Translator.c1MissLeaves = true; // (the evidence the rule reads: on by default)
        CodeCache.c1MissRebuild = 128;
        Translator.hotMissLeaves = true;
        Translator.hotMissLeavesUser = false;
        CodeCache.hotMissInsns = 1_000; // (the loop's RARE misses: one per ~18,400 instructions; the entry a batch begins at varies, so some units count more)
    }

    @AfterEach
    void restore() {
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
        CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
        Translator.hotMissLeaves = Boolean.getBoolean("vmckpt.jit.hotMissLeaves");
        Translator.hotMissLeavesUser = Boolean.getBoolean("vmckpt.jit.hotMissLeavesUser");
        Translator.missLeaves = Boolean.getBoolean("vmckpt.jit.missLeaves");
        Translator.missCheck = Translator.MISS_CHECK;
        CodeCache.missLeavesMinInsns = CodeCache.MISS_LEAVES_MIN_INSNS;
        CodeCache.hotMissInsns = CodeCache.HOT_MISS_INSNS;
    }

    /** How often the loop loads B (and so misses A next): every iteration, once in 2,048, or once in 2,048 until x6 reaches 65,536 and then every iteration. */
    enum Misses { FREQUENT, RARE, LATE }

    /**
     * loop: x5 = [A]; x7 = [B] (every iteration: FREQUENT; when x6's low 11 bits are 0: RARE; and also from x6 = 65,536
     * on: LATE); x11 += x5 + x7; x6 += 1; j loop.
     */
    static Hart hart(boolean translate, Misses misses) {
        return hart(translate, misses, Hart.PRIV_M);
    }

    /** As {@link #hart(boolean, Misses)}, the loop run in privilege {@code priv} (bare addressing; no PMP entry, so S and U may access RAM). */
    static Hart hart(boolean translate, Misses misses, int priv) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 8 << 20)), () -> 0);
        h.mmu.setConflictWays(0); // (nor may the conflict ways make their slot two-way)
        if (priv != Hart.PRIV_M) h.setPriv(priv);
        if (translate) {
            h.setTranslation(true);
            h.setTranslationThreshold(1);
            h.setPromotionThreshold(30_000); // (a batch may begin anywhere in the loop: its ~10 entries share the count)
            h.codeCache.hotMinRun = 0;
            h.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look, as in deterministic mode
            // C1 units (and hot builds) run as soon as they are built, not when HotSpot's queue has compiled them (the timed
            // probe, CodeCache#ready): which entries of the loop run, and so which are promoted and where the batches that
            // meet the loop's misses begin, then depend on the instructions alone (see AccessGroupsTest#hot).
            h.codeCache.runUncompiled = true;
            h.codeCache.hotRecheck = 2_000;
        }
        int nop = addi(0, 0, 0);
        int[] code = {
                ld(5, 10, 0),                                       // 0:  x5 = [A]
                i(2047, 6, 7, 8, 0x13),                             // 4:  andi x8, x6, 2047
                i(16, 6, 5, 9, 0x13),                               // 8:  srli x9, x6, 16 (0 until x6 reaches 65,536)
                nop,                                                // 12
                misses == Misses.LATE ? b(8, 0, 9, 1) : nop,        // 16: bne x9, x0, 24 (load B)
                misses == Misses.FREQUENT ? nop : b(8, 0, 8, 1),    // 20: bne x8, x0, 28 (skip the load of B)
                ld(7, 13, 0),                                       // 24: x7 = [B]
                add(11, 11, 5),                                     // 28
                add(11, 11, 7),                                     // 32
                addi(6, 6, 1),                                      // 36
                j(-40, 0)};                                         // 40: j 0
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
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc at " + to);
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at " + to);
    }

    /** Runs both harts from {@code from} to {@code to}, comparing them every {@code step} instructions (batches end there). */
    static void runComparing(Hart jit, Hart ref, long from, long to, long step) {
        for (long at = from; at <= to; at += step) run(jit, ref, at);
    }

    static long hotMissExits(Hart h) {
        long n = 0;
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(h)) n += Integer.toUnsignedLong(u.missExits);
        return n;
    }

    @Test
    void aUnitWhoseC1BuildRarelyLeftIsBuiltHotWithMissExitsAndLeavesExactly() {
        Hart jit = hart(true, Misses.RARE), ref = hart(false, Misses.RARE);
        runComparing(jit, ref, 10_000, 3_000_000, 99_991);
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "promoted: " + jit.translationStats());
        assertTrue(jit.codeCache.hotMissLeaveBuilds >= 1, "hot builds with exits: " + jit.codeCache.hotMissLeaveBuilds);
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertTrue(u.missLeaving, "a hot unit with miss exits: " + Long.toHexString(u.key) + " builds " + jit.codeCache.hotMissLeaveBuilds + "/" + jit.codeCache.hotMissCallBuilds + " rebuilds " + jit.codeCache.missRebuilds + " " + jit.codeCache.missLeaveSummary());
        // The hot units left at their misses (and the interpreter went on from there as the reference did, above).
        long exits = hotMissExits(jit);
        assertTrue(exits >= 20, "hot units' miss exits: " + exits);
        // Batches that end every 37 instructions through some of the loop's misses (x6 = 2,048 k: B is loaded, A misses next).
        runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
        assertTrue(hotMissExits(jit) > exits, "left again while compared at every budget");
        assertEquals(0, jit.codeCache.missRebuilds, "rare misses: not rebuilt");
    }

    @Test
    void aUnitWhoseC1BuildLeftOftenIsBuiltHotWithCalls() {
        Hart jit = hart(true, Misses.FREQUENT), ref = hart(false, Misses.FREQUENT);
        runComparing(jit, ref, 10_000, 3_000_000, 9_973);
        assertTrue(jit.codeCache.c1MissRebuildsInstalled >= 1, "C1 rebuilds: " + jit.codeCache.missLeaveSummary());
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "promoted: " + jit.translationStats());
        assertTrue(jit.codeCache.hotMissCallBuilds >= 1);
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertFalse(u.missLeaving, "a hot unit with calls: " + Long.toHexString(u.key));
    }

    @Test
    void withoutTheC1UnitsLeavesThereIsNoEvidenceAndTheHotBuildHasCalls() {
        Translator.c1MissLeaves = false;
        Hart jit = hart(true, Misses.RARE), ref = hart(false, Misses.RARE);
        runComparing(jit, ref, 10_000, 2_000_000, 99_991);
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "promoted: " + jit.translationStats());
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertFalse(u.missLeaving);
        assertEquals(0, jit.codeCache.hotMissLeaveBuilds);
    }

    @Test
    void aHotUnitBuiltWithExitsThatThenMissesOftenIsBuiltAgainWithCalls() {
        Translator.missCheck = 16;
        CodeCache.missLeavesMinInsns = 0;
        Hart jit = hart(true, Misses.LATE), ref = hart(false, Misses.LATE);
        runComparing(jit, ref, 10_000, 550_000, 9_973); // x6 is still under 65,536 (9 instructions an iteration)
        assertTrue(jit.codeCache.hotMissLeaveBuilds >= 1, "hot builds with exits before the misses: " + jit.translationStats());
        assertEquals(0, jit.codeCache.missRebuilds);
        runComparing(jit, ref, 550_000 + 997, 3_000_000, 997);
        assertTrue(jit.codeCache.missRebuildsInstalled >= 1, "rebuilt with calls: " + jit.codeCache.missLeaveSummary());
        boolean calls = false;
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) calls |= !u.missLeaving;
        assertTrue(calls, "a hot unit with calls");
    }

    @Test
    void withTheSwitchOffHotBuildsHaveCalls() {
        Translator.hotMissLeaves = false;
        Hart jit = hart(true, Misses.RARE), ref = hart(false, Misses.RARE);
        runComparing(jit, ref, 10_000, 2_000_000, 99_991);
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty());
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertFalse(u.missLeaving);
        assertEquals(0, jit.codeCache.hotMissLeaveBuilds + jit.codeCache.hotMissCallBuilds);
    }

    // ------------------------------------------------------------------ Translator#hotMissLeavesUser (round 70)

    /**
     * With the rule for user mode only, the loop run in U mode is built hot with the miss exits (its C1 units rarely left),
     * leaves at its misses and goes on exactly as the interpreter (pc, instret, every register after batches that end
     * every 37 instructions through its misses); nothing is given the calls for its privilege.
     */
    @Test
    void userModeOnlyAUserUnitIsBuiltHotWithMissExitsAndLeavesExactly() {
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = true;
        Hart jit = hart(true, Misses.RARE, Hart.PRIV_U), ref = hart(false, Misses.RARE, Hart.PRIV_U);
        assertEquals(Hart.PRIV_U, jit.priv);
        runComparing(jit, ref, 10_000, 3_000_000, 99_991);
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "promoted: " + jit.translationStats());
        assertTrue(jit.codeCache.hotMissLeaveBuilds >= 1, "hot builds with exits: " + jit.codeCache.missLeaveSummary());
        assertEquals(0, jit.codeCache.hotMissPrivCalls, "a user-mode unit given the calls for its privilege");
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertTrue(u.missLeaving, "a hot unit with miss exits: " + Long.toHexString(u.key));
        long exits = hotMissExits(jit);
        assertTrue(exits >= 20, "hot units' miss exits: " + exits);
        runComparing(jit, ref, jit.instret + 37, jit.instret + 60_000, 37);
        assertTrue(hotMissExits(jit) > exits, "left again while compared at every budget");
        assertEquals(Hart.PRIV_U, jit.priv);
    }

    /**
     * With the rule for user mode only, the same loop run in S mode (the kernel's) or M mode is built hot with the
     * rejoining calls, though its C1 units rarely left (the rule alone would give it the exits: the first test), with
     * {@link Translator#hotMissLeaves} off and on; it goes on as the interpreter. Fails if a supervisor-mode hot unit gets
     * the exits with the switch on.
     */
    @Test
    void userModeOnlyASupervisorOrMachineUnitIsBuiltHotWithCalls() {
        Translator.hotMissLeavesUser = true;
        for (boolean all : new boolean[] {false, true}) {
            Translator.hotMissLeaves = all;
            for (int priv : new int[] {Hart.PRIV_S, Hart.PRIV_M}) {
                Hart jit = hart(true, Misses.RARE, priv), ref = hart(false, Misses.RARE, priv);
                runComparing(jit, ref, 10_000, 2_000_000, 99_991);
                String what = "priv " + priv + (all ? " with hotMissLeaves on too" : "") + ": ";
                assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), what + "promoted: " + jit.translationStats());
                for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertFalse(u.missLeaving, what + "a hot unit with miss exits: " + Long.toHexString(u.key));
                assertEquals(0, jit.codeCache.hotMissLeaveBuilds, what + "hot builds with exits");
                assertTrue(jit.codeCache.hotMissPrivCalls >= 1, what + "hot builds with calls for their privilege: " + jit.codeCache.missLeaveSummary());
                assertEquals(0, hotMissExits(jit), what + "miss exits");
            }
        }
    }

    /** The user-mode rule keeps the rest of the rule: a user unit whose C1 units left often gets the calls (for its leaves, not its privilege). */
    @Test
    void userModeOnlyAUserUnitWhoseC1BuildLeftOftenIsBuiltHotWithCalls() {
        Translator.hotMissLeaves = false;
        Translator.hotMissLeavesUser = true;
        Hart jit = hart(true, Misses.FREQUENT, Hart.PRIV_U), ref = hart(false, Misses.FREQUENT, Hart.PRIV_U);
        runComparing(jit, ref, 10_000, 3_000_000, 9_973);
        assertFalse(MissLeavesAdaptiveTest.hotUnits(jit).isEmpty(), "promoted: " + jit.translationStats());
        assertTrue(jit.codeCache.hotMissCallBuilds >= 1, jit.codeCache.missLeaveSummary());
        assertEquals(0, jit.codeCache.hotMissPrivCalls);
        for (TranslatedUnit u : MissLeavesAdaptiveTest.hotUnits(jit)) assertFalse(u.missLeaving, "a hot unit with calls: " + Long.toHexString(u.key));
    }
}
