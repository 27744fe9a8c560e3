package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A hot-tier unit (round 53; C1 units call Alu: the switch's C1 form was retired in round 84) writes add, sub, and, or,
 * xor, sll, srl, sra, addw, subw, mul, mulw (and the immediate forms) as JVM instructions and slt, sltu as a compare and
 * two stores, instead of calling {@link Alu}, which stays the interpreter's definition. Every form, on edge operands
 * (shifts by 63, 64, -1; the 32-bit overflow of addw, subw, mulw; the sign boundaries) and random ones, in a hot-tier
 * and a C1 unit, ends in the interpreter's state; the hot units name no Alu method, so the forms really were emitted.
 */
class InlineAluTest {
    /** x10 and x11 are the operands; each program writes its results to x5-x9 and x12-x31 (a few in place). */
    static final int[][] PROGRAMS = {
            {
                    r(0, 11, 10, 0, 5, 0x33),           // add x5, x10, x11
                    r(0x20, 11, 10, 0, 6, 0x33),        // sub x6, x10, x11
                    r(0, 11, 10, 7, 7, 0x33),           // and x7, x10, x11
                    r(0, 11, 10, 6, 8, 0x33),           // or x8, x10, x11
                    r(0, 11, 10, 4, 9, 0x33),           // xor x9, x10, x11
                    r(0, 11, 10, 1, 12, 0x33),          // sll x12, x10, x11 (the distance's low 6 bits)
                    r(0, 11, 10, 5, 13, 0x33),          // srl x13, x10, x11
                    r(0x20, 11, 10, 5, 14, 0x33),       // sra x14, x10, x11
                    r(0, 11, 10, 2, 15, 0x33),          // slt x15, x10, x11
                    r(0, 11, 10, 3, 16, 0x33),          // sltu x16, x10, x11
                    r(0, 10, 11, 2, 17, 0x33),          // slt x17, x11, x10
                    r(0, 10, 11, 3, 18, 0x33),          // sltu x18, x11, x10
                    r(1, 11, 10, 0, 19, 0x33),          // mul x19, x10, x11
                    r(0, 11, 10, 0, 20, 0x3b),          // addw x20, x10, x11
                    r(0x20, 11, 10, 0, 21, 0x3b),       // subw x21, x10, x11
                    r(1, 11, 10, 0, 22, 0x3b),          // mulw x22, x10, x11
                    r(0, 10, 10, 2, 23, 0x33),          // slt x23, x10, x10 (0)
                    r(0, 10, 0, 3, 24, 0x33),           // snez x24, x10
                    r(0, 0, 10, 2, 25, 0x33),           // sltz x25, x10 (slt x25, x10, x0)
                    r(0, 10, 0, 2, 26, 0x33),           // sgtz x26, x10 (slt x26, x0, x10)
                    r(0x20, 10, 0, 0, 27, 0x33),        // neg x27, x10
                    r(0, 10, 10, 1, 28, 0x33),          // sll x28, x10, x10
                    r(0, 11, 10, 0, 29, 0x33),          // add x29, x10, x11, then in place:
                    r(0, 29, 11, 5, 29, 0x33),          // srl x29, x11, x29 (rd = rs2)
                    r(0, 11, 29, 2, 29, 0x33),          // slt x29, x29, x11 (rd = rs1)
                    r(0, 10, 11, 0, 30, 0x3b),          // addw x30, x11, x10
                    r(0, 11, 11, 3, 31, 0x33),          // sltu x31, x11, x11 (0)
            },
            {
                    i(2047, 10, 0, 5, 0x13),            // addi x5, x10, 2047
                    i(-2048, 10, 0, 6, 0x13),           // addi x6, x10, -2048
                    i(-1, 10, 7, 7, 0x13),              // andi x7, x10, -1
                    i(2047, 10, 7, 8, 0x13),            // andi x8, x10, 2047
                    i(-2048, 10, 6, 9, 0x13),           // ori x9, x10, -2048
                    i(-1, 10, 4, 12, 0x13),             // not x12, x10 (xori -1)
                    i(63, 10, 1, 13, 0x13),             // slli x13, x10, 63
                    i(0, 10, 1, 14, 0x13),              // slli x14, x10, 0
                    i(63, 10, 5, 15, 0x13),             // srli x15, x10, 63
                    i(0x400 | 63, 10, 5, 16, 0x13),     // srai x16, x10, 63
                    i(0x400 | 1, 10, 5, 17, 0x13),      // srai x17, x10, 1
                    i(32, 10, 5, 18, 0x13),             // srli x18, x10, 32
                    i(-1, 10, 2, 19, 0x13),             // slti x19, x10, -1
                    i(2047, 10, 2, 20, 0x13),           // slti x20, x10, 2047
                    i(-2048, 10, 2, 21, 0x13),          // slti x21, x10, -2048
                    i(1, 10, 3, 22, 0x13),              // seqz x22, x10 (sltiu 1)
                    i(-1, 10, 3, 23, 0x13),             // sltiu x23, x10, -1
                    i(-2048, 10, 3, 24, 0x13),          // sltiu x24, x10, -2048
                    i(0, 10, 3, 25, 0x13),              // sltiu x25, x10, 0 (0)
                    i(-2048, 10, 0, 26, 0x1b),          // addiw x26, x10, -2048
                    i(2047, 10, 0, 27, 0x1b),           // addiw x27, x10, 2047
                    i(0, 10, 0, 28, 0x1b),              // sext.w x28, x10
                    i(1, 10, 0, 29, 0x1b),              // addiw x29, x10, 1 (INT_MAX + 1), then in place:
                    i(-1, 29, 3, 29, 0x13),             // sltiu x29, x29, -1 (rd = rs1)
                    i(5, 0, 3, 30, 0x13),               // sltiu x30, x0, 5 (1)
                    i(0x400 | 3, 11, 5, 31, 0x13),      // srai x31, x11, 3
            },
    };

    static final long[] EDGES = {
            0, 1, 2, -1, -2, 31, 32, 33, 63, 64, 65, 127, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 0x8000_0000L, 0xffff_ffffL, 0x1_0000_0000L, 0xffff_ffff_7fff_ffffL,
            2047, 2048, -2048, -2049, 0x1234_5678_9abc_def0L, 0xfedc_ba98_7654_3210L,
    };

    @Test
    void hotUnitsCallNoAluMethodAndCountNoInliningC1UnitsCall() {
        for (int[] ops : PROGRAMS) {
            Translator t = new Translator();
            TranslatedUnit u = t.translate(WrittenOutAluTest.page(WrittenOutAluTest.code(ops)), 0, null, -1, 0, true);
            assertNotNull(u);
            String cp = WrittenOutAluTest.constants(t.lastClassBytes);
            assertFalse(cp.contains("org/vmckpt/machine/cpu/Alu"), "hot unit names Alu");
            assertFalse(cp.contains("compareUnsigned"), "hot unit names compareUnsigned");
            assertEquals(u.bytecodeSize, u.inlineTotal, "no call left for C2 to inline");
        }
        // A C1 unit: the calls, each counted at ALU_CALL_INLINE (round 51's figure).
        Translator t = new Translator();
        TranslatedUnit u = t.translate(WrittenOutAluTest.page(WrittenOutAluTest.code(PROGRAMS[0])), 0, null, -1, 0, false);
        assertTrue(WrittenOutAluTest.constants(t.lastClassBytes).contains("org/vmckpt/machine/cpu/Alu"));
        assertTrue(u.inlineTotal >= u.bytecodeSize + 20 * Translator.ALU_CALL_INLINE, u.bytecodeSize + " " + u.inlineTotal);
    }

    @Test
    void everyEmittedFormGivesTheInterpretersResults() {
        long[] values = WrittenOutAluTest.operands(EDGES, 24, new Random(53));
        for (int[] ops : PROGRAMS) WrittenOutAluTest.assertUnitsMatchTheInterpreter(ops, values);
        // The reference is Alu's: spot checks of the interpreter's results at the edges.
        Hart ref = WrittenOutAluTest.hart(WrittenOutAluTest.code(PROGRAMS[0]));
        ref.x[10] = Integer.MAX_VALUE;
        ref.x[11] = 64;
        ref.pc = WrittenOutAluTest.BASE;
        ref.run(PROGRAMS[0].length);
        assertEquals(Integer.MAX_VALUE, ref.x[12], "sll by 64 shifts by 0");
        assertEquals(Integer.MIN_VALUE + 63, ref.x[20], "addw overflows to INT_MIN + 63");
        assertEquals(0, ref.x[16], "sltu(INT_MAX, 64)");
    }

    /** Every Alu operation a unit may still call has its count of C2's inlined bytecode. */
    @Test
    void everyAluOperationHasAnInlineCount() {
        for (Method m : Alu.class.getDeclaredMethods()) {
            if (!Modifier.isPublic(m.getModifiers()) || m.getReturnType() != long.class) continue;
            assertTrue(Translator.aluInlineBytes(m.getName()) > 0, m.getName());
        }
        assertThrows(IllegalArgumentException.class, () -> Translator.aluInlineBytes("beq"));
    }
}
