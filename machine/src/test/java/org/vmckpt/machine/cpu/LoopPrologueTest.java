package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A straight line into a loop, built hot with the loop ({@code -Dvmckpt.jit.loopPrologue}, round 77), on SHA-256's shape
 * in the signed module phase: an outer loop longer than a loop region may be, holding two inner loops, each entered
 * from a few instructions of its own: the first by falling through into its head, the second by a plain jump into the
 * middle of a rotated loop (SHA-256's {@code c.j} into its message schedule). With the switch the line's C1 unit is
 * promoted once the loop's unit is hot and its hot build holds the line, the whole loop and the loop's exit paths: fewer
 * unit runs an outer iteration; every budget ends in the interpreter's state; a write to the loop's code drops the
 * line's unit (it holds the loop) and the program goes on as the interpreter with the new code.
 */
class LoopPrologueTest {
    static final long BASE = WrittenOutAluTest.BASE;
    static final int MAX_LOOP = 128;
    static final int BODY = 70;
    /**
     * Offsets: the outer loop's head and the first line (A, falls into L1), the first loop (L1), the second line (B, ends
     * with a jump to L2E), the second loop (head L2, entered at L2E, 3 instructions in), the tail (C).
     */
    static final int A = 0, L1 = 12, B = L1 + 4 * (BODY + 2), L2 = B + 4 * 6, L2E = L2 + 12, C = L2 + 4 * (BODY + 2);

    /** The program: x9 outer iterations of (A, loop 1 three times, B, loop 2 twice, C), then a return. */
    static int[] code() {
        int[] code = new int[C / 4 + 4];
        code[A / 4] = addi(20, 20, 1);                          // A: x20 counts outer iterations
        code[A / 4 + 1] = addi(7, 0, 3);
        code[A / 4 + 2] = addi(8, 0, 2);
        LoopExitsTest.body(code, L1 / 4, BODY, 0);              // L1
        code[L1 / 4 + BODY] = addi(7, 7, -1);
        code[L1 / 4 + BODY + 1] = b(L1 - (L1 + 4 * BODY + 4), 0, 7, 1); // bne x7, x0, L1
        code[B / 4] = r(0, 11, 10, 4, 15, 0x33);                // B: xor x15, x10, x11
        code[B / 4 + 1] = add(16, 15, 12);
        code[B / 4 + 2] = addi(13, 13, 5);
        code[B / 4 + 3] = add(14, 14, 16);
        code[B / 4 + 4] = addi(10, 10, 1);
        code[B / 4 + 5] = j(L2E - (B + 20), 0);                 // j L2E (into the rotated loop)
        LoopExitsTest.body(code, L2 / 4, BODY, 2);              // L2 (entered at L2E)
        code[L2 / 4 + BODY] = addi(8, 8, -1);
        code[L2 / 4 + BODY + 1] = b(L2 - (L2 + 4 * BODY + 4), 0, 8, 1); // bne x8, x0, L2
        code[C / 4] = add(17, 17, 16);                          // C
        code[C / 4 + 1] = addi(9, 9, -1);
        code[C / 4 + 2] = b(A - (C + 8), 0, 9, 1);             // bne x9, x0, A
        code[C / 4 + 3] = WrittenOutAluTest.RET;
        return code;
    }

    static Translator translator(boolean on) {
        Translator t = new Translator();
        t.loopPrologue = on;
        t.loopExits = TranslatorLoopExits.OFF;
        return t;
    }

    static TranslatedUnit build(Translator t, int entry, boolean hot) {
        TranslatedUnit u = t.translate(WrittenOutAluTest.page(code()), 0, null, -1, entry, hot, MAX_LOOP,
                Translator.MAX_STRAIGHT_INSTRUCTIONS);
        assertNotNull(u);
        return u;
    }

    @Test
    void aLineIntoALoopIsMarkedAndItsHotBuildHoldsTheLoop() {
        Translator on = translator(true), off = translator(false);
        // C1 units: the two lines are marked with their loop's entry; the loops themselves and the tail are not.
        assertEquals(L1, build(on, A, false).prologueLoop, "A falls into L1's head");
        assertEquals(L2E, build(on, B, false).prologueLoop, "B jumps into the rotated L2");
        assertEquals(-1, build(on, L1, false).prologueLoop, "a loop's head is the loop region's");
        assertEquals(-1, build(on, C, false).prologueLoop, "C ends with a branch");
        assertEquals(-1, build(off, B, false).prologueLoop, "the switch off marks nothing");
        // Hot builds: the line, the whole loop (72) and the loop's exit paths (B's: C, both ways of its branch up to L1's head).
        long before = Translator.prologueUnits.get();
        build(off, B, true);
        int lineOnly = off.liveInstructionsOfLastUnit();
        assertEquals(6, lineOnly, "without the switch B's unit is its line");
        build(on, B, true);
        int withLoop = on.liveInstructionsOfLastUnit();
        assertTrue(withLoop >= 6 + BODY + 2, "B's hot build holds its loop: " + withLoop);
        assertEquals(6 + BODY + 2 + 3 + 3 + 1, withLoop, "B, L2, and L2's exit path: C, A up to L1's head, the return");
        build(on, A, true);
        assertEquals(3 + BODY + 2 + 6, on.liveInstructionsOfLastUnit(), "A, L1, and L1's exit path: B up to L2E");
        assertEquals(before + 2, Translator.prologueUnits.get());
        build(on, A, false);
        assertEquals(3, on.liveInstructionsOfLastUnit(), "C1 builds are as without the switch");
    }

    static Hart jit(boolean on, int loopExits) {
        Hart h = WrittenOutAluTest.hart(code());
        h.setTranslation(true);
        h.setTranslationThreshold(2);
        h.setPromotionThreshold(20_000);
        h.codeCache.promoteUncompiled = true;
        h.codeCache.runUncompiled = true; // (C1 units run at once: the counts below do not wait on the timed compile probe)
        h.codeCache.hotRecheck = 64;
        h.codeCache.hotShare = 0;
        h.codeCache.hotMinRun = 0;
        h.codeCache.hotBriefRunsPercent = 0;
        h.codeCache.maxLoopInstructions = MAX_LOOP;
        h.codeCache.loopExits = loopExits;
        h.codeCache.loopPrologue = on;
        h.codeCache.prologueAfter = 500;
        return h;
    }

    static void start(Hart h, Random rnd) {
        for (int r = 10; r <= 17; r++) h.x[r] = rnd.nextLong();
        h.x[9] = 1_000_000;
        h.x[20] = 0;
        h.pc = BASE;
    }

    /** Unit runs per outer iteration once the hot tier has taken over, in batches of 4,096 as the machine runs them. */
    static double unitRunsPerIteration(boolean on) {
        Hart h = jit(on, TranslatorLoopExits.OFF);
        start(h, new Random(77));
        while (h.instret < 400_000) h.run(4096);
        CodeCache.Stats s0 = h.translationStats();
        long it0 = h.x[20];
        while (h.instret < 1_200_000) h.run(4096);
        CodeCache.Stats s1 = h.translationStats();
        double per = (s1.unitRuns() - s0.unitRuns()) / (double) (h.x[20] - it0);
        System.out.printf("LoopPrologueTest %s: %.2f unit runs per outer iteration, %d promoted early, %s%n", on ? "on" : "off", per,
                h.codeCache.prologuePromotions, s1);
        if (on) assertTrue(h.codeCache.prologuePromotions >= 1, "no line was promoted early: " + s1);
        return per;
    }

    @Test
    void theOuterLoopMakesFewerUnitRunsAnIteration() {
        // Off: A, L1, B, L2, C (5 a iteration). On: A's unit (A, L1, B), L2's, C: 3. An iteration is 371 instructions: a
        // batch's end every ~11 iterations adds ~0.1.
        assertTrue(unitRunsPerIteration(true) < 3.5, "with lines into loops");
        assertTrue(unitRunsPerIteration(false) > 4.5, "without (the test's shape is not what it says)");
    }

    @Test
    void everyBudgetEndsInTheInterpretersState() {
        for (int loopExits : new int[] {TranslatorLoopExits.OFF, TranslatorLoopExits.HOT}) {
            for (int seed = 1; seed <= 3; seed++) {
                Hart jit = jit(true, loopExits), ref = WrittenOutAluTest.hart(code());
                start(jit, new Random(seed));
                start(ref, new Random(seed));
                Random budgets = new Random(seed * 7), same = new Random(seed * 7);
                for (long at : new long[] {5_000, 50_000, 300_000, 900_000, 1_500_000}) {
                    TranslatorDifferentialTest.runTo(jit, at, budgets);
                    TranslatorDifferentialTest.runTo(ref, at, same);
                    assertEquals(ref.pc, jit.pc, "loopExits " + loopExits + " seed " + seed + ": pc at " + at);
                    assertArrayEquals(ref.x, jit.x, "loopExits " + loopExits + " seed " + seed + ": registers at " + at);
                    assertEquals(ref.instret, jit.instret, "instret at " + at);
                }
                CodeCache.Stats st = jit.translationStats();
                assertTrue(jit.codeCache.prologuePromotions >= 1 && st.hotInstructionsRun() > 0,
                        "loopExits " + loopExits + ": no line promoted early: " + st);
            }
        }
    }

    @Test
    void aWriteToTheLoopDropsTheLinesUnit() {
        Hart jit = jit(true, TranslatorLoopExits.OFF), ref = WrittenOutAluTest.hart(code());
        start(jit, new Random(5));
        start(ref, new Random(5));
        Random budgets = new Random(11), same = new Random(11);
        TranslatorDifferentialTest.runTo(jit, 1_000_000, budgets);
        TranslatorDifferentialTest.runTo(ref, 1_000_000, same);
        TranslatedUnit line = jit.codeCache.unitAt(B);
        assertNotNull(line, "B's unit");
        assertTrue(line.hot && line.instructionCount > 6, "B's unit is the hot build with its loop: " + line.instructionCount);
        // Rewrite one instruction of L2's body (in the line's unit, not at its entry): addi x12, x12, 1000 everywhere.
        int at = L2 + 4 * 40, patch = addi(12, 12, 1000);
        jit.bus().ram().write32(BASE + at, patch);
        ref.bus().ram().write32(BASE + at, patch);
        assertTrue(line.dead, "a write to the loop's code drops the line's unit");
        for (long to : new long[] {1_000_001, 1_000_777, 1_300_000, 1_700_000}) {
            TranslatorDifferentialTest.runTo(jit, to, budgets);
            TranslatorDifferentialTest.runTo(ref, to, same);
            assertEquals(ref.pc, jit.pc, "pc at " + to);
            assertArrayEquals(ref.x, jit.x, "registers at " + to + " after the write");
        }
        TranslatedUnit again = jit.codeCache.unitAt(B);
        assertTrue(again == null || again != line, "the dropped unit does not run again");
    }
}
