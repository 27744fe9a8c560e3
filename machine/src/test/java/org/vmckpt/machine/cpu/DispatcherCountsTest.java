package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.device.MmioDevice;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The dispatcher's counts ({@link Hart#run}): the cache's unit runs and instructions run translated, which it keeps in
 * locals and adds once per batch, equal the sums of what it counts into each unit on every run (the unit's runs in
 * {@link TranslatedUnit#hotRunCounts}, its instructions in {@link TranslatedUnit#untilHot} counting down from a hot tier
 * set out of reach). The guest takes every way a trip can end: a call into a loop of its own page (chained units), a
 * load from a page PMP denies (an access fault inside a unit), an illegal CSR read (a trap in the interpreter running it
 * for the unit), a load from an address nothing answers at (the unit leaves and the interpreter faults), each resumed
 * after by a trap handler, and a load from a device (the unit leaves for the interpreter: a deferral).
 */
class DispatcherCountsTest {
    static final long BASE = 0x8000_0000L;
    static final long DEVICE = 0x1000_0000L, NOTHING = 0x2000_0000L;
    static final int F = 0x2000, HANDLER = 0x3000, DENIED = 0x8000;

    /**
     * The counts are summed over the live units: the rebuild of C1 units that leave often (on by default; the device
     * loads leave on every run) would replace a unit and take its counts with it, as a promotion would (asserted absent).
     */
    @BeforeEach
    void noRebuild() {
        CodeCache.c1MissRebuild = 0;
    }

    @AfterEach
    void asBefore() {
        CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
    }

    static Hart hart(boolean translate) {
        Bus bus = new Bus(new GuestMemory(BASE, 1 << 20));
        bus.map("counter", DEVICE, 0x1000, new MmioDevice() {
            long reads;

            @Override
            public long read(long offset, int size) {
                return ++reads;
            }

            @Override
            public void write(long offset, int size, long value) { }
        });
        Hart h = new Hart(0, bus, () -> 0);
        h.setTranslation(translate);
        if (translate) {
            h.setTranslationThreshold(1);
            h.setPromotionThreshold(Long.MAX_VALUE); // no hot tier: every unit's count runs on from its first run
        }
        GuestMemory ram = h.bus().ram();
        int[] outer = {
                j(F, 1),              // 0:  jal ra, F
                lw(11, 21, 0),        // 4:  lw x11, 0(x21): a page PMP denies, an access fault inside the unit
                csrr(16, 0x7ff),      // 8:  a CSR there is none of: illegal, in the interpreter for the unit (execOne)
                lw(11, 22, 0),        // 12: lw x11, 0(x22): nothing answers (the unit leaves; the interpreter faults)
                addi(14, 14, 1),      // 16: x14 += 1
                lw(10, 20, 0),        // 20: lw x10, 0(x20): the device (a deferral)
                j(-24, 0)};           // 24: j 0
        for (int k = 0; k < outer.length; k++) ram.write32(BASE + 4L * k, outer[k]);
        HotTierTwoLoopsTest.function(ram, F, 5, 6, 8);
        int[] handler = {
                csrr(12, Csr.MEPC),
                addi(12, 12, 4),
                csrrw(0, Csr.MEPC, 12),
                csrrs(0, 0x300, 13),  // mstatus.MPP = M (x13 = 0x1800): back to machine mode
                addi(15, 15, 1),      // x15: traps taken
                MRET};
        for (int k = 0; k < handler.length; k++) ram.write32(BASE + HANDLER + 4L * k, handler[k]);
        h.mtvec = BASE + HANDLER; // (each trap resumes at the next instruction, a batch's first: a unit's entry)
        h.csrWrite(0x3b0, (BASE + DENIED) >>> 2 | 0x1ff, 0); // pmpaddr0: the 4 KiB at DENIED
        h.csrWrite(0x3a0, 0x98, 0); // pmpcfg0: locked (so M mode too), NAPOT, no access
        h.x[13] = 0x1800;
        h.x[20] = DEVICE;
        h.x[21] = BASE + DENIED;
        h.x[22] = NOTHING;
        h.pc = BASE;
        return h;
    }

    @Test
    void theCacheCountsAreTheSumsOfTheUnitsCounts() {
        Hart jit = hart(true), ref = hart(false);
        // Until the units whose first instruction traps have run (each unit runs once HotSpot has compiled it), then on;
        // each trap handler's CSR writes end the batch, so a call of run retires ~10 instructions.
        long deadline = System.nanoTime() + 120_000_000_000L; // (a bound on the wait for a busy host's compiler, not a figure)
        while (!(ran(jit, 4) && ran(jit, 8)) && System.nanoTime() < deadline) jit.run(4096);
        for (int k = 0; k < 4_000; k++) jit.run(4096);
        HotTierTest.runTo(ref, jit.instret);
        assertEquals(ref.pc, jit.pc);
        for (int r = 5; r <= 15; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        assertTrue(jit.x[15] > 100, "traps taken: " + jit.x[15]);

        long runs = 0, instructions = 0, trappedFirstThing = 0;
        for (long key = 0; key < 0x4000; key += 2) {
            TranslatedUnit u = jit.codeCache.unitAt(key);
            if (u == null || u == TranslatedUnit.UNTRANSLATABLE) continue;
            assertFalse(u.dead || u.hot);
            runs += u.hotRuns();
            instructions += Long.MAX_VALUE - u.untilHot;
            if (key == 4 || key == 8) trappedFirstThing += u.hotRuns();
        }
        CodeCache.Stats s = jit.translationStats();
        assertTrue(trappedFirstThing > 0 && jit.codeCache.unitAt(4).untilHot == Long.MAX_VALUE
                && jit.codeCache.unitAt(8).untilHot == Long.MAX_VALUE, "the units whose first instruction traps ran, retiring nothing: " + trappedFirstThing);
        assertTrue(s.deferrals() > 0, "device loads left to the interpreter: " + s);
        assertTrue(s.chainedRuns() > 0 && s.chainedRuns() < s.unitRuns(), "chained and looked up: " + s);
        assertEquals(runs, s.unitRuns(), "unit runs: " + s);
        assertEquals(instructions, s.translatedInstructionsRun(), "instructions run translated: " + s);
        assertTrue(s.translatedInstructionsRun() > 0 && s.translatedInstructionsRun() < jit.instret, "translated: " + s);
    }

    static boolean ran(Hart h, long key) {
        TranslatedUnit u = h.codeCache.unitAt(key);
        return u != null && u.hotRuns() > 0;
    }

    @Test
    void aRunCountsOneAndBriefUnderSixteen() {
        TranslatedUnit u = new TranslatedUnit() {
            @Override
            public int run(Hart h, int budget) {
                return 0;
            }
        };
        int[] retired = {0, 1, 15, 16, 17, 64, 4096, Integer.MAX_VALUE};
        for (int k = 0; k < 3; k++) for (int r : retired) u.hotRunCounts += TranslatedUnit.runCount(r);
        assertEquals(3L * retired.length, u.hotRuns());
        assertEquals(3L * 3, u.hotBriefRuns(), "0, 1 and 15 are brief");
        u.hotRunCounts = 0;
        for (int k = 0; k < 100_000; k++) u.hotRunCounts += TranslatedUnit.runCount(k & 31);
        assertEquals(100_000, u.hotRuns());
        assertEquals(50_000, u.hotBriefRuns());
    }
}
