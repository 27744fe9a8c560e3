package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The interpreter's written-out slt, sltu, slti, sltiu, sllw, srlw, sraw, slliw, srliw and sraiw give {@link Alu}'s
 * results (the definitions the translator calls) on the values where signed and unsigned order part and on every
 * shift distance, including the register forms' distances of 32-63; and JAL (its immediate written out) jumps where
 * {@link Decode#immJ} says, for every bit of the immediate.
 */
class InterpreterSetAndWordShiftTest {
    static final long BASE = 0x8000_0000L;
    static final long[] VALUES = {0, 1, -1, 2, -2, 31, 32, 63, 64, Long.MIN_VALUE, Long.MAX_VALUE, 0x8000_0000L,
            0x7fff_ffffL, 0xffff_ffffL, 0x1_0000_0000L, 0x1234_5678_9abc_def0L, -0x1234_5678_9abc_def0L};

    private static long run(int insn, long a, long b) {
        return runAt(insn, a, b)[0];
    }

    /** Runs {@code insn} once at BASE + 0x8000 with x10 = a, x11 = b; returns {x12, pc after}. */
    private static long[] runAt(int insn, long a, long b) {
        GuestMemory mem = new GuestMemory(BASE, 1 << 16);
        Hart hart = new Hart(0, new Bus(mem), () -> 0);
        Asm asm = new Asm();
        asm.emit(insn);
        long at = BASE + 0x8000;
        mem.writeBytes(at, asm.bytes(), 0, asm.size());
        hart.x[10] = a;
        hart.x[11] = b;
        hart.pc = at;
        assertEquals(1, hart.run(1));
        return new long[] {hart.x[12], hart.pc - at};
    }

    @Test
    void jalJumpsWhereImmJSays() {
        for (int bit = 1; bit <= 20; bit++) {
            for (int imm : new int[] {1 << bit, -(1 << bit), (1 << bit) | 2, 0xffffe}) {
                int insn = j(imm, 12);
                long[] r = runAt(insn, 0, 0);
                assertEquals(Decode.immJ(insn), r[1], "jal " + imm);
                assertEquals(BASE + 0x8004, r[0], "jal's link, " + imm);
            }
        }
    }

    @Test
    void registerForms() {
        for (long a : VALUES) {
            for (long b : VALUES) {
                assertEquals(Alu.slt(a, b), run(r(0, 11, 10, 2, 12, 0x33), a, b), "slt " + a + ", " + b);
                assertEquals(Alu.sltu(a, b), run(r(0, 11, 10, 3, 12, 0x33), a, b), "sltu " + a + ", " + b);
                assertEquals(Alu.sllw(a, b), run(r(0, 11, 10, 1, 12, 0x3b), a, b), "sllw " + a + ", " + b);
                assertEquals(Alu.srlw(a, b), run(r(0, 11, 10, 5, 12, 0x3b), a, b), "srlw " + a + ", " + b);
                assertEquals(Alu.sraw(a, b), run(r(0x20, 11, 10, 5, 12, 0x3b), a, b), "sraw " + a + ", " + b);
            }
        }
    }

    @Test
    void immediateForms() {
        int[] imms = {0, 1, -1, 2, -2, 31, 2047, -2048, 0x7ff, 100};
        for (long a : VALUES) {
            for (int imm : imms) {
                assertEquals(Alu.slt(a, imm), run(i(imm, 10, 2, 12, 0x13), a, 0), "slti " + a + ", " + imm);
                assertEquals(Alu.sltu(a, imm), run(i(imm, 10, 3, 12, 0x13), a, 0), "sltiu " + a + ", " + imm);
            }
            for (int sh = 0; sh < 32; sh++) {
                assertEquals(Alu.sllw(a, sh), run(i(sh, 10, 1, 12, 0x1b), a, 0), "slliw " + a + ", " + sh);
                assertEquals(Alu.srlw(a, sh), run(i(sh, 10, 5, 12, 0x1b), a, 0), "srliw " + a + ", " + sh);
                assertEquals(Alu.sraw(a, sh), run(i(0x400 | sh, 10, 5, 12, 0x1b), a, 0), "sraiw " + a + ", " + sh);
            }
        }
    }
}
