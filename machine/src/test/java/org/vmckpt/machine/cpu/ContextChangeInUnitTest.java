package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A unit reads the data translation context at each access (round 46's hot-tier context local, read once at entry and
 * again after an instruction the interpreter runs or a nested unit, was retired in round 84). Here the context changes between two loads of the same address in one loop: M-mode
 * code whose {@code csrrs}/{@code csrrc} of mstatus turn MPRV on and off, so that one load reads the page at that
 * physical address (bare) and the next the page Sv39 maps the address to. The second load would hit the TLB entry the
 * first one filled if it compared tags with the context of before the write. (Today the CSR write also ends the unit,
 * as it advances the MMU's context epoch, so the next load runs in the next unit: the test fails only when neither the
 * re-read nor that exit is there; both were taken out in turn to see it, docs/BENCHMARKS.md round 46.) A store through
 * the translated address, first in its epoch while memory is frozen (a checkpoint: the store copies the page), is read
 * back right after it. Both tiers give the interpreter's registers and memory.
 */
class ContextChangeInUnitTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100;
    /** The address the loop reads: RAM at this physical address, and mapped by Sv39 to {@link #MAPPED}. */
    static final long DATA = BASE + 0x10000, MAPPED = BASE + 0x20000;
    static final long ROOT = BASE + 0x30000, L1 = BASE + 0x31000, L0 = BASE + 0x32000;

    /**
     * The loop misses the TLB at every iteration (the context changes), so C1 units that leave before a miss
     * ({@link Translator#c1MissLeaves}) would leave it every iteration, never translated far enough or promoted:
     * these tests are of units that go on after a miss.
     */
    @BeforeEach
    void unitsGoOnAfterAMiss() {
        Translator.c1MissLeaves = false; // (C1MissLeavesTest)
    }

    @AfterEach
    void restore() {
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
    }

    static Hart hart(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        if (translated) h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        GuestMemory mem = h.bus().ram();
        // Sv39: DATA's page -> MAPPED's page, user-accessible (MPRV with MPP = U translates as U); nothing else mapped.
        mem.write64(ROOT + 8 * 2, ((L1 >>> 12) << 10) | 1);
        mem.write64(L1, ((L0 >>> 12) << 10) | 1);
        mem.write64(L0 + 8 * ((DATA >>> 12) & 511), ((MAPPED >>> 12) << 10) | 0xD7); // V R W U A D
        mem.write64(DATA, 0x1111_0000_0000_0001L);
        mem.write64(MAPPED, 0x2222_0000_0000_0002L);
        long at = LOOP;
        mem.write32(at, ld(10, 8, 0)); at += 4;                 // loop: ld a0, 0(s0)   (bare: DATA's page)
        mem.write32(at, csrrs(0, Csr.MSTATUS, 5)); at += 4;     // csrs mstatus, t0     (MPRV on)
        mem.write32(at, ld(11, 8, 0)); at += 4;                 // ld a1, 0(s0)         (Sv39: MAPPED's page)
        mem.write32(at, sd(13, 8, 8)); at += 4;                 // sd a3, 8(s0)         (into MAPPED's page)
        mem.write32(at, ld(14, 8, 8)); at += 4;                 // ld a4, 8(s0)
        mem.write32(at, csrrc(0, Csr.MSTATUS, 5)); at += 4;     // csrc mstatus, t0     (MPRV off)
        mem.write32(at, ld(15, 8, 8)); at += 4;                 // ld a5, 8(s0)         (bare again)
        mem.write32(at, add(12, 12, 10)); at += 4;              // a2 += a0
        mem.write32(at, add(12, 12, 11)); at += 4;              // a2 += a1
        mem.write32(at, add(12, 12, 14)); at += 4;              // a2 += a4
        mem.write32(at, add(16, 16, 15)); at += 4;              // a6 += a5
        mem.write32(at, addi(13, 13, 3)); at += 4;              // a3 += 3
        mem.write32(at, j((int) (LOOP - at), 0));               // j loop
        h.x[8] = DATA;
        h.x[5] = Csr.MPRV;
        h.satp = (8L << 60) | (ROOT >>> 12);
        h.mstatus &= ~Csr.MPP; // MPP = U
        h.mmu.flushTlb();
        h.mmu.updateContexts();
        h.pc = LOOP;
        return h;
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (long a : new long[] {DATA, DATA + 8, MAPPED, MAPPED + 8}) {
            assertEquals(ref.bus().ram().read64(a), jit.bus().ram().read64(a), String.format("RAM at %x", a));
        }
    }

    static void compare(Hart ref, Hart jit) {
        assertTrue(jit.translationStats().translatedInstructionsRun() > 5_000, "translated: " + jit.translationStats());
        sameState(ref, jit);
        assertEquals(0x1111_0000_0000_0001L, ref.x[10], "the bare load reads DATA's page");
        assertEquals(0x2222_0000_0000_0002L, ref.x[11], "the translated load reads MAPPED's page");
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int round = 0; round < 20; round++) {
            // A checkpoint's freeze: the next store into MAPPED's page copies it, in the middle of a unit.
            var frozen = jit.bus().ram().freeze();
            jit.run(4096);
            frozen.release();
            sameState(ref, jit);
        }
    }

    @Test
    void aContextChangeInsideAUnitIsSeenByItsNextLoad() {
        Hart jit = hart(true), ref = hart(false);
        UnitWarmUp.runTranslated(jit, 200_000);
        UnitWarmUp.unitAt(jit, LOOP, BASE);
        compare(ref, jit);
    }

    @Test
    void aContextChangeInsideAHotUnitIsSeenByItsNextLoad() {
        hotUnit(); // (round 46's context local, run here too until round 84, was retired with its switch)
    }

    private static void hotUnit() {
        Hart jit = hart(true), ref = hart(false);
        jit.setPromotionThreshold(2_000);
        jit.codeCache.promoteUncompiled = true;
        jit.codeCache.hotRecheck = 2_000;
        jit.codeCache.hotMinRun = 0;
        UnitWarmUp.runTranslated(jit, 200_000);
        assertTrue(jit.translationStats().promotions() > 0, "promoted: " + jit.translationStats());
        compare(ref, jit);
    }
}
