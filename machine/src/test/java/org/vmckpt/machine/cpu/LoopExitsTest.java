package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A loop region's exit paths ({@link TranslatorLoopExits}, {@code -Dvmckpt.jit.loopExits}, round 66), on SHA-256's
 * shape: an outer loop longer than a loop region may be, holding two inner loops that are loop regions, with a few
 * instructions between them. Each inner loop's unit takes in the code on its exit up to the other loop's head (and
 * no more), the outer loop then makes two unit runs an iteration instead of five or more, and the registers after any
 * budget are the interpreter's, in both modes.
 */
class LoopExitsTest {
    static final long BASE = WrittenOutAluTest.BASE;
    /** Loop regions of at most this many instructions in these tests: the inner loops (72) fit, the outer (158) not. */
    static final int MAX_LOOP = 128;
    static final int BODY = 70;
    /** Offsets: the outer loop's head (A), the first inner loop's head, the code between (B), the second's head, the tail (C). */
    static final int A = 0, L1 = 12, B = L1 + 4 * (BODY + 2), L2 = B + 4 * 5, C = L2 + 4 * (BODY + 2);

    /** A loop body of {@code n} ALU instructions on x10-x14 (adds, subtracts, xors, shifts), {@code salt} varying it. */
    static void body(int[] code, int at, int n, int salt) {
        for (int k = 0; k < n; k++) {
            int rd = 10 + (k + salt) % 5, rs1 = 10 + (k + 1 + salt) % 5, rs2 = 10 + (k + 3 + salt) % 5;
            code[at + k] = switch ((k + salt) % 5) {
                case 0 -> add(rd, rs1, rs2);
                case 1 -> r(0, rs2, rs1, 4, rd, 0x33);          // xor
                case 2 -> r(0x20, rs2, rs1, 0, rd, 0x33);       // sub
                case 3 -> i(k % 63 + 1, rs1, 5, rd, 0x13);      // srli
                default -> addi(rd, rs1, k * 37 - 900);
            };
        }
    }

    /** The program: x9 outer iterations of (A: count, loop 1 three times, B, loop 2 twice, C), then a return. */
    static int[] code() {
        int[] code = new int[C / 4 + 4];
        code[A / 4] = addi(20, 20, 1);                          // A: x20 counts outer iterations
        code[A / 4 + 1] = addi(7, 0, 3);
        code[A / 4 + 2] = addi(8, 0, 2);
        body(code, L1 / 4, BODY, 0);                            // L1
        code[L1 / 4 + BODY] = addi(7, 7, -1);
        code[L1 / 4 + BODY + 1] = b(L1 - (L1 + 4 * BODY + 4), 0, 7, 1); // bne x7, x0, L1
        code[B / 4] = r(0, 11, 10, 4, 15, 0x33);                // B: xor x15, x10, x11
        code[B / 4 + 1] = add(16, 15, 12);
        code[B / 4 + 2] = addi(13, 13, 5);
        code[B / 4 + 3] = add(14, 14, 16);
        code[B / 4 + 4] = addi(10, 10, 1);
        body(code, L2 / 4, BODY, 2);                            // L2
        code[L2 / 4 + BODY] = addi(8, 8, -1);
        code[L2 / 4 + BODY + 1] = b(L2 - (L2 + 4 * BODY + 4), 0, 8, 1); // bne x8, x0, L2
        code[C / 4] = add(17, 17, 16);                          // C
        code[C / 4 + 1] = addi(9, 9, -1);
        code[C / 4 + 2] = b(A - (C + 8), 0, 9, 1);             // bne x9, x0, A
        code[C / 4 + 3] = WrittenOutAluTest.RET;
        return code;
    }

    static int live(int mode, int entry, boolean hot) {
        Translator t = new Translator();
        t.loopExits = mode;
        TranslatedUnit u = t.translate(WrittenOutAluTest.page(code()), 0, null, -1, entry, hot, MAX_LOOP,
                Translator.MAX_STRAIGHT_INSTRUCTIONS);
        assertNotNull(u);
        return t.liveInstructionsOfLastUnit();
    }

    @Test
    void eachLoopTakesInItsExitPathUpToTheOtherLoopsHead() {
        // Without: the loop's 72 instructions. With: loop 1 and B (5); loop 2, C (4: both ways of its branch) and A (3).
        assertEquals(BODY + 2, live(TranslatorLoopExits.OFF, L1, true));
        assertEquals(BODY + 2, live(TranslatorLoopExits.OFF, L2, true));
        assertEquals(BODY + 2 + 5, live(TranslatorLoopExits.HOT, L1, true));
        assertEquals(BODY + 2 + 4 + 3, live(TranslatorLoopExits.HOT, L2, true));
        assertEquals(BODY + 2, live(TranslatorLoopExits.HOT, L1, false), "hot: C1 units as before");
        assertEquals(BODY + 2 + 5, live(TranslatorLoopExits.ALL, L1, false));
    }

    static Hart jit(int mode) {
        Hart h = WrittenOutAluTest.hart(code());
        h.setTranslation(true);
        h.setTranslationThreshold(2);
        h.setPromotionThreshold(64);
        h.codeCache.promoteUncompiled = true;
        h.codeCache.runUncompiled = true; // (C1 units run at once: the counts below do not wait on the timed compile probe)
        h.codeCache.hotRecheck = 64;
        h.codeCache.hotMinRun = 0;
        h.codeCache.maxLoopInstructions = MAX_LOOP;
        h.codeCache.loopExits = mode;
        return h;
    }

    static void start(Hart h, Random rnd) {
        for (int r = 10; r <= 17; r++) h.x[r] = rnd.nextLong();
        h.x[9] = 1_000_000;
        h.x[20] = 0;
        h.pc = BASE;
    }

    /** Unit runs per outer iteration once the hot tier has taken over, in batches of 4,096 as the machine runs them. */
    static double unitRunsPerIteration(int mode) {
        Hart h = jit(mode);
        start(h, new Random(66));
        while (h.instret < 400_000) h.run(4096);
        CodeCache.Stats s0 = h.translationStats();
        long it0 = h.x[20];
        while (h.instret < 1_200_000) h.run(4096);
        CodeCache.Stats s1 = h.translationStats();
        assertTrue(s1.promotions() >= 2, "the hot tier did not take both loops: " + s1);
        double per = (s1.unitRuns() - s0.unitRuns()) / (double) (h.x[20] - it0);
        System.out.printf("LoopExitsTest mode %d: %.2f unit runs per outer iteration, %s%n", mode, per, s1);
        return per;
    }

    @Test
    void theOuterLoopMakesTwoUnitRunsAnIteration() {
        // An iteration is 3 * 72 + 5 + 2 * 72 + 6 = 371 instructions: a batch's end every ~11 iterations adds ~0.1.
        assertTrue(unitRunsPerIteration(TranslatorLoopExits.HOT) < 2.5, "with exit paths");
        assertTrue(unitRunsPerIteration(TranslatorLoopExits.OFF) > 3.5, "without (the test's shape is not what it says)");
    }

    @Test
    void everyBudgetEndsInTheInterpretersState() {
        for (int mode : new int[] {TranslatorLoopExits.HOT, TranslatorLoopExits.ALL}) {
            for (int seed = 1; seed <= 3; seed++) {
                Hart jit = jit(mode), ref = WrittenOutAluTest.hart(code());
                start(jit, new Random(seed));
                start(ref, new Random(seed));
                Random budgets = new Random(seed * 7), same = new Random(seed * 7);
                for (long at : new long[] {5_000, 50_000, 300_000, 900_000}) {
                    TranslatorDifferentialTest.runTo(jit, at, budgets);
                    TranslatorDifferentialTest.runTo(ref, at, same);
                    assertEquals(ref.pc, jit.pc, "mode " + mode + " seed " + seed + ": pc at " + at);
                    assertArrayEquals(ref.x, jit.x, "mode " + mode + " seed " + seed + ": registers at " + at);
                }
                CodeCache.Stats st = jit.translationStats();
                assertTrue(st.promotions() >= 2 && st.hotInstructionsRun() > 0, "the hot tier did not run: " + st);
            }
        }
        assertTrue(TranslatorLoopExits.units.get() > 0);
    }
}
