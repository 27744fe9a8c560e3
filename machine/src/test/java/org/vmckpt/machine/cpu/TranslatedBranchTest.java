package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Translated conditional branches (a JVM compare and jump, not calls to {@link Alu}) take exactly the decisions
 * {@link Alu}'s conditions define, for every RISC-V branch and the values where signed and unsigned order part:
 * 0, 1, -1, 2, -2, the extremes and their neighbours, in every pair.
 */
class TranslatedBranchTest {
    static final long BASE = 0x8000_0000L, PAIRS = BASE + 0x1000, RESULTS = BASE + 0x2000;
    static final long[] VALUES = {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1};
    static final int[] FUNCT3 = {0, 1, 4, 5, 6, 7}; // beq bne blt bge bltu bgeu

    @Test
    void everyBranchDecidesAsAluUnderTheTranslator() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart hart = new Hart(0, new Bus(mem), () -> 0);
        hart.setTranslation(true);
        hart.setTranslationThreshold(16);
        int n = VALUES.length * VALUES.length;
        for (int p = 0; p < n; p++) {
            mem.write64(PAIRS + 16L * p, VALUES[p / VALUES.length]);
            mem.write64(PAIRS + 16L * p + 8, VALUES[p % VALUES.length]);
        }
        // loop: x10, x11 = the next pair; x13 = 0; for each branch k: bXX x10, x11, +8; x13 += 1 << k (when not taken)
        //       results[i] = x13; next pair; until x7 = 0; then spin at `end`
        Asm a = new Asm();
        a.emit(ld(10, 5, 0)).emit(ld(11, 5, 8)).emit(addi(13, 0, 0));
        for (int k = 0; k < FUNCT3.length; k++) a.emit(b(8, 11, 10, FUNCT3[k])).emit(addi(13, 13, 1 << k));
        a.emit(sd(13, 6, 0)).emit(addi(5, 5, 16)).emit(addi(6, 6, 8)).emit(addi(7, 7, -1));
        int loopBytes = a.size();
        a.emit(b(-loopBytes, 0, 7, 1)); // bne x7, x0, loop
        long end = BASE + a.size();
        a.emit(j(0, 0));
        mem.writeBytes(BASE, a.bytes(), 0, a.size());

        boolean checkedTranslated = false;
        for (int pass = 0; pass < 20_000 && !checkedTranslated; pass++) {
            for (int p = 0; p < n; p++) mem.write64(RESULTS + 8L * p, -1);
            hart.x[5] = PAIRS;
            hart.x[6] = RESULTS;
            hart.x[7] = n;
            hart.pc = BASE;
            long translatedBefore = hart.translationStats().translatedInstructionsRun();
            while (hart.pc != end) hart.run(4096);
            for (int p = 0; p < n; p++) {
                long x = VALUES[p / VALUES.length], y = VALUES[p % VALUES.length];
                long notTaken = 0;
                boolean[] taken = {Alu.beq(x, y), Alu.bne(x, y), Alu.blt(x, y), Alu.bge(x, y), Alu.bltu(x, y), Alu.bgeu(x, y)};
                for (int k = 0; k < taken.length; k++) if (!taken[k]) notTaken |= 1L << k;
                assertEquals(notTaken, mem.read64(RESULTS + 8L * p), "branches on " + x + ", " + y + " (pass " + pass + ")");
            }
            // A pass run all translated but for its first visits checks the translated branches.
            checkedTranslated = hart.translationStats().translatedInstructionsRun() - translatedBefore > 15L * n;
        }
        assertTrue(checkedTranslated, "the loop never ran translated: " + hart.translationStats());
    }
}
