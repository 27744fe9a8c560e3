package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * C1 units' bytecode bound ({@link Translator#C1_MAX_BYTECODE}, {@code CodeCache#c1MaxBytecode}): a loop of
 * {@link #REPEATS} loads, adds and stores (machine mode, bare addressing) whose whole-loop C1 unit is over 4,000 bytes of
 * bytecode (and under {@link Translator#MAX_BYTECODE}). Without the bound the unit at the loop's head holds the whole loop;
 * with a bound of 4,000 it is built as a smaller region, under the bound, and the regions the bound refused are counted;
 * either way the hart retires exactly the interpreter's state (registers, pc, the data the loop writes) at every count.
 * A hot-tier build is never made here (its bound is {@link Translator#MAX_BYTECODE} either way).
 */
class C1MaxBytecodeTest {
    static final long BASE = 0x8000_0000L;
    static final int LOOP = 0x10; // the loop's head (RAM offset)
    static final int DATA = 0x8000;
    static final int REPEATS = 40; // ld, add, sd each: 120 instructions, then addi and j

    static Hart hart(boolean translate, int c1MaxBytecode) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(1L << 40); // (no hot tier: only C1 units)
        if (translate) {
            h.codeCache.c1MaxBytecode = c1MaxBytecode;
            h.codeCache.runUncompiled = true; // every unit runs as soon as it is built (its effects are the same)
        }
        GuestMemory ram = h.bus().ram();
        int[] head = {
                addi(10, 0, 1),                 // x10 = 1
                i(31, 10, 1, 10, 0x13),         // slli x10, x10, 31: BASE
                lui(11, DATA),                  // x11 = DATA
                add(10, 10, 11),                // x10 = BASE + DATA
        };
        int at = 0;
        for (int w : head) { ram.write32(BASE + at, w); at += 4; }
        assertEquals(LOOP, at);
        for (int k = 0; k < REPEATS; k++) {
            ram.write32(BASE + at, ld(6, 10, 8 * k)); at += 4;
            ram.write32(BASE + at, add(7, 7, 6)); at += 4;
            ram.write32(BASE + at, sd(7, 10, 8 * k)); at += 4;
        }
        ram.write32(BASE + at, addi(5, 5, 1)); at += 4;
        ram.write32(BASE + at, j(LOOP - at, 0));
        for (int k = 0; k < REPEATS; k++) ram.write64(BASE + DATA + 8L * k, k * 0x0101_0101L + 3);
        h.pc = BASE;
        return h;
    }

    static void assertSameState(Hart jit, Hart ref) {
        assertEquals(ref.instret, jit.instret);
        assertEquals(ref.pc, jit.pc, "pc at instret " + ref.instret);
        for (int r = 5; r <= 11; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at instret " + ref.instret);
        for (int k = 0; k < REPEATS; k++) {
            assertEquals(ref.bus().ram().read64(BASE + DATA + 8L * k), jit.bus().ram().read64(BASE + DATA + 8L * k),
                    "data word " + k + " at instret " + ref.instret);
        }
    }

    @Test
    void withoutTheBoundTheLoopIsOneUnitOverIt() {
        Hart jit = hart(true, 0), ref = hart(false, 0);
        HotTierTest.runTo(jit, 200_000);
        HotTierTest.runTo(ref, 200_000);
        assertSameState(jit, ref);
        TranslatedUnit u = jit.codeCache.unitAt(LOOP);
        assertNotNull(u, "a unit at the loop's head: " + jit.translationStats());
        assertTrue(u.instructionCount >= 3 * REPEATS + 2, "the whole loop: " + u.instructionCount + " instructions");
        assertTrue(u.bytecodeSize > 4000 && u.bytecodeSize <= Translator.MAX_BYTECODE, "bytecode " + u.bytecodeSize);
    }

    @Test
    void withTheBoundTheLoopsUnitIsSmallerAndUnderIt() {
        long capped = Translator.c1Capped.get();
        Hart jit = hart(true, 4000), ref = hart(false, 0);
        HotTierTest.runTo(jit, 200_000);
        HotTierTest.runTo(ref, 200_000);
        assertSameState(jit, ref);
        TranslatedUnit u = jit.codeCache.unitAt(LOOP);
        assertNotNull(u, "a unit at the loop's head: " + jit.translationStats());
        assertTrue(u.bytecodeSize <= 4000, "under the bound: bytecode " + u.bytecodeSize + ", " + u.instructionCount + " instructions");
        assertTrue(u.instructionCount < 3 * REPEATS + 2, "a smaller region: " + u.instructionCount + " instructions");
        assertTrue(Translator.c1Capped.get() > capped, "the bound refused a region");
        assertTrue(jit.translationStats().translatedInstructionsRun() > 100_000, "the loop ran translated: " + jit.translationStats());
    }

    @Test
    void withTheBoundTheHartRetiresTheInterpretersStateAtEveryCount() {
        Hart jit = hart(true, 4000), ref = hart(false, 0);
        long[] targets = {1, 2, 3, 5, 7, 11, 13, 100, 127, 128, 129, 4096, 4097, 10_000, 65_537, 150_001};
        for (long t : targets) {
            HotTierTest.runTo(jit, t);
            HotTierTest.runTo(ref, t);
            assertSameState(jit, ref);
        }
        for (int budget : new int[] {1, 2, 3, 5, 7, 11, 13, 61, 100}) {
            for (int n = 0; n < 50; n++) {
                jit.run(budget);
                ref.run(budget);
            }
            assertSameState(jit, ref);
        }
    }
}
