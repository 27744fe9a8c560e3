package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A unit checks its budget only at its check points (the entry and the targets of back edges,
 * {@link Translator#checkNeeds}), each asking for room for the longest run to the next one, and still never retires
 * more than its budget: at budgets that cut anywhere, both engines end in the same state at the same counts.
 */
class BudgetCheckPointsTest {
    static final long BASE = 0x8000_0000L;

    /** The chain slots of a unit that are budget exits: one per block that checks the budget. */
    static int budgetExits(TranslatedUnit u) {
        int n = 0;
        for (byte k : u.exitKinds) if (k == TranslatedUnit.EXIT_BUDGET) n++;
        return n;
    }

    /** jalr x0, 0(x1): ends the region (the rest of the page is zeros, illegal instructions the unit would hold). */
    static final int RET = i(0, 1, 0, 0, 0x67);

    static TranslatedUnit translate(int[] code) {
        byte[] page = new byte[4096];
        for (int k = 0; k < code.length; k++) {
            for (int b = 0; b < 4; b++) page[4 * k + b] = (byte) (code[k] >>> (8 * b));
        }
        return new Translator().translate(page, 0, 0);
    }

    /** A loop with an if/else: head, two arms, the join with the back edge. Every cycle goes through the head. */
    static int[] ifElseLoop() {
        return new int[] {
                i(1, 6, 7, 7, 0x13),    // 0: andi x7, x6, 1
                b(16, 0, 7, 0),         // 4: beq x7, x0, 20
                addi(5, 5, 3),          // 8
                addi(5, 5, 3),          // 12
                j(12, 0),               // 16: j 28
                addi(5, 5, -1),         // 20
                addi(5, 5, -2),         // 24
                addi(6, 6, -1),         // 28: join
                b(-32, 0, 6, 1),        // 32: bne x6, x0, 0
                RET,                    // 36
        };
    }

    /** An outer loop around an inner loop of three iterations: the inner loop's head is a second check point. */
    static int[] nestedLoop() {
        return new int[] {
                addi(5, 5, 1),          // 0: outer head
                addi(7, 0, 3),          // 4
                addi(8, 8, 1),          // 8: inner head
                addi(7, 7, -1),         // 12
                b(-8, 0, 7, 1),         // 16: bne x7, x0, 8
                addi(6, 6, -1),         // 20
                b(-24, 0, 6, 1),        // 24: bne x6, x0, 0
                RET,                    // 28
        };
    }

    @Test
    void aLoopThroughItsEntryChecksTheBudgetOnceAnIteration() {
        TranslatedUnit u = translate(ifElseLoop());
        assertEquals(10, u.instructionCount);
        // Five blocks (head, two arms, join, return); only the entry checks, for the longest run: 2 + 3 + 2 + 1.
        assertEquals(1, budgetExits(u), "budget checks");
        assertEquals(8, u.entryBlockLength, "the entry asks for the longest run");
    }

    @Test
    void anInnerLoopsHeadChecksToo() {
        TranslatedUnit u = translate(nestedLoop());
        // Four blocks: the outer head (2), the inner loop (3), the outer tail (2), the return (1). The entry asks for its
        // block (the inner head checks next); the inner head for its block, the tail and the return.
        assertEquals(2, budgetExits(u), "budget checks");
        assertEquals(2, u.entryBlockLength);
    }

    static Hart hart(boolean translated, int[] code) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        for (int k = 0; k < code.length; k++) h.bus().ram().write32(BASE + 4L * k, code[k]);
        h.x[6] = 1 << 20;
        h.pc = BASE;
        return h;
    }

    @Test
    void budgetsThatCutAnywhereGiveTheInterpretersState() {
        for (int[] code : new int[][] {ifElseLoop(), nestedLoop()}) {
            Hart jit = hart(true, code), ref = hart(false, code);
            Random rnd = new Random(23);
            for (int k = 0; k < 20_000; k++) {
                int budget = k % 2 == 0 ? 1 + rnd.nextInt(12) : 1 + rnd.nextInt(200);
                jit.run(budget);
                while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
                assertEquals(ref.instret, jit.instret, "instret");
                assertEquals(ref.pc, jit.pc, "pc at " + jit.instret);
                assertArrayEquals(ref.x, jit.x, "registers at " + jit.instret);
                TranslatedUnit u = jit.codeCache.unitAt(0);
                if (u != null && u != TranslatedUnit.UNTRANSLATABLE) u.compiled = true; // (run without HotSpot's probe)
            }
            assertTrue(jit.translationStats().translatedInstructionsRun() > jit.instret / 2, "mostly translated: " + jit.translationStats());
        }
    }

    /** slliw, srliw, sraiw, sllw, srlw, sraw on values whose low words have the sign bit set or clear. */
    @Test
    void wordShiftsAsTheInterpreter() {
        int[] ops = {
                i(31, 10, 1, 11, 0x1b), i(1, 10, 1, 12, 0x1b),                              // slliw 31, 1
                i(31, 10, 5, 13, 0x1b), i(4, 10, 5, 14, 0x1b),                              // srliw 31, 4
                i(0x400 | 31, 10, 5, 15, 0x1b), i(0x400 | 4, 10, 5, 16, 0x1b),              // sraiw 31, 4
                r(0, 20, 10, 1, 17, 0x3b), r(0, 20, 10, 5, 18, 0x3b), r(0x20, 20, 10, 5, 19, 0x3b), // sllw, srlw, sraw by x20
        };
        long[] values = {0, 1, -1, 0x8000_0000L, 0x7fff_ffffL, 0x1234_5678_9abc_def0L, 0xffff_ffff_0000_0001L, Long.MIN_VALUE};
        long[] shifts = {0, 1, 4, 31, 32, 33, 63, -1, 0x1_0000_0005L};
        int[] code = new int[ops.length + 2];
        System.arraycopy(ops, 0, code, 0, ops.length);
        code[ops.length] = j(0, 0); // j . (the unit spins here until its budget runs out)
        code[ops.length + 1] = RET;
        for (long v : values) {
            for (long s : shifts) {
                Hart jit = hart(true, code), ref = hart(false, code);
                for (Hart h : new Hart[] {jit, ref}) {
                    h.x[10] = v;
                    h.x[20] = s;
                }
                TranslatedUnit u = translate(code);
                jit.inUnit = true;
                assertEquals(ops.length + 1, u.run(jit, ops.length + 1), "ran the shifts and one jump");
                jit.inUnit = false;
                ref.run(ops.length);
                for (int r = 11; r <= 19; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " for " + Long.toHexString(v) + " by " + s);
            }
        }
    }
}
