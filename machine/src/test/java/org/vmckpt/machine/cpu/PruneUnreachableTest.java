package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#pruneUnreachable} (round 53): a loop region measures a cycle through a call without the callee's
 * instructions, so when the callee is too long for the region's cap the region held the call's return point and the
 * code after it, unreachable in the unit (it leaves at the call). With the switch the unit holds only what its entry
 * reaches, and runs as the interpreter does.
 */
class PruneUnreachableTest {
    static final long BASE = 0x8000_0000L;
    static final int CALLEE = 0x200, LONG_BODY = 600; // (longer than MAX_LOOP_INSTRUCTIONS: no loop region holds f)

    @AfterEach
    void switchBack() {
        Translator.pruneUnreachable = Boolean.getBoolean("vmckpt.jit.pruneUnreachable");
    }

    /**
     * At 0: x5 += 1; call f; x6 += x5 (the return point); blt x5, x7, 0; j . . f at {@link #CALLEE}: {@link #LONG_BODY}
     * adds to x8, then jalr x0, 0(ra).
     */
    static int[] code() {
        int[] code = new int[CALLEE / 4 + LONG_BODY + 1];
        code[0] = addi(5, 5, 1);
        code[1] = j(CALLEE - 4, 1); // jal ra, f
        code[2] = add(6, 6, 5);
        code[3] = b(-12, 7, 5, 4); // blt x5, x7, 0
        code[4] = j(0, 0);
        for (int k = 0; k < LONG_BODY; k++) code[CALLEE / 4 + k] = addi(8, 8, k + 1);
        code[CALLEE / 4 + LONG_BODY] = i(0, 1, 0, 0, 0x67); // jalr x0, 0(ra)
        return code;
    }

    /** The unit at the loop's head, its loop regions capped at 128 instructions (the callee does not fit). */
    static TranslatedUnit unit(boolean hot) {
        return new Translator().translate(WrittenOutAluTest.page(code()), 0, null, -1, 0, hot, 128, 0);
    }

    @Test
    void theReturnPointAfterACallThatLeavesIsNotInTheUnit() {
        for (boolean hot : new boolean[] {false, true}) {
            Translator.pruneUnreachable = false;
            assertEquals(4, unit(hot).instructionCount, "without the switch: the loop's 4 instructions, 2 of them unreachable");
            Translator.pruneUnreachable = true;
            long before = Translator.prunedRegions.get();
            TranslatedUnit u = unit(hot);
            assertEquals(2, u.instructionCount, "the add and the call");
            assertEquals(1, Translator.prunedRegions.get() - before);
        }
    }

    @Test
    void aPrunedUnitRunsAsTheInterpreter() {
        Translator.pruneUnreachable = true;
        int[] code = code();
        Hart jit = WrittenOutAluTest.hart(code), ref = WrittenOutAluTest.hart(code);
        jit.setTranslation(true);
        jit.setTranslationThreshold(16);
        for (Hart h : new Hart[] {jit, ref}) {
            h.x[7] = 500;
            h.pc = BASE;
        }
        long before = Translator.prunedRegions.get();
        while (jit.instret < 400_000) jit.run(1000);
        assertTrue(Translator.prunedRegions.get() > before, "no region was pruned: the case was not run " + jit.translationStats());
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        assertEquals(500, jit.x[5], "the loop ran to its end");
    }
}
