package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * sltu, sltiu (seqz, snez) and mulh, mulhsu, mulhu are written out in a C1 unit's bytecode (Translator
 * emitSetLessThanUnsigned, emitMulHigh; round 25) instead of calling Alu, whose Long.compareUnsigned and Math.multiplyHigh
 * C1 left as calls. On operands at the edges (0, 1, -1, the sign boundaries of 64 and 32 bits, the halves' carries) and
 * random ones, a C1 unit and a hot-tier unit (which keeps Alu's calls) end in the interpreter's state.
 */
class WrittenOutAluTest {
    static final long BASE = 0x8000_0000L;
    static final int RET = i(0, 1, 0, 0, 0x67);

    /** x10 and x11 are the operands; every other register written gets one result (rd = rs cases included). */
    static final int[] OPS = {
            r(0, 11, 10, 3, 12, 0x33),              // sltu x12, x10, x11
            r(0, 10, 11, 3, 13, 0x33),              // sltu x13, x11, x10
            r(0, 10, 10, 3, 14, 0x33),              // sltu x14, x10, x10 (0)
            r(0, 10, 0, 3, 15, 0x33),               // snez x15, x10 (sltu x15, x0, x10)
            r(0, 0, 10, 3, 16, 0x33),               // sltu x16, x10, x0 (0)
            i(1, 10, 3, 17, 0x13),                  // seqz x17, x10 (sltiu x17, x10, 1)
            i(0, 10, 3, 18, 0x13),                  // sltiu x18, x10, 0 (0)
            i(2, 10, 3, 19, 0x13),                  // sltiu x19, x10, 2
            i(-1, 10, 3, 20, 0x13),                 // sltiu x20, x10, -1 (x10 != all ones)
            i(-2, 10, 3, 21, 0x13),                 // sltiu x21, x10, -2
            i(2047, 10, 3, 22, 0x13),               // sltiu x22, x10, 2047
            i(-2048, 10, 3, 23, 0x13),              // sltiu x23, x10, -2048
            i(3, 0, 3, 24, 0x13),                   // sltiu x24, x0, 3 (1)
            r(1, 11, 10, 1, 5, 0x33),               // mulh x5, x10, x11
            r(1, 11, 10, 2, 6, 0x33),               // mulhsu x6, x10, x11
            r(1, 10, 11, 2, 7, 0x33),               // mulhsu x7, x11, x10
            r(1, 11, 10, 3, 8, 0x33),               // mulhu x8, x10, x11
            r(1, 10, 10, 3, 9, 0x33),               // mulhu x9, x10, x10
            r(1, 10, 10, 1, 25, 0x33),              // mulh x25, x10, x10
            r(1, 0, 10, 3, 26, 0x33),               // mulhu x26, x10, x0 (0)
            r(1, 11, 0, 2, 27, 0x33),               // mulhsu x27, x0, x11 (0)
            r(1, 11, 10, 3, 28, 0x33),              // mulhu x28, x10, x11, then in place:
            r(1, 11, 28, 1, 28, 0x33),              // mulh x28, x28, x11 (rd = rs1)
            r(1, 28, 10, 2, 29, 0x33),              // mulhsu x29, x10, x28
            r(0, 29, 28, 3, 29, 0x33),              // sltu x29, x28, x29 (rd = rs2)
            i(-5, 29, 3, 29, 0x13),                 // sltiu x29, x29, -5 (rd = rs1)
    };

    static final long[] EDGES = {
            0, 1, 2, 3, -1, -2, -3, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE - 1,
            0x7fff_ffffL, 0x8000_0000L, 0xffff_ffffL, 0x1_0000_0000L, 0x1_0000_0001L, 0xffff_ffff_0000_0000L,
            0xffff_ffff_8000_0000L, 0x7fff_ffff_ffff_ffffL >>> 31, 2047, 2048, -2048, -2049, 0x1234_5678_9abc_def0L,
            0xfedc_ba98_7654_3210L,
    };

    static byte[] page(int[] code) {
        byte[] page = new byte[4096];
        for (int k = 0; k < code.length; k++) {
            for (int b = 0; b < 4; b++) page[4 * k + b] = (byte) (code[k] >>> (8 * b));
        }
        return page;
    }

    static int[] code() {
        return code(OPS);
    }

    /** {@code ops}, then a jump to itself (the unit spins there until its budget runs out) and a return. */
    static int[] code(int[] ops) {
        int[] code = new int[ops.length + 2];
        System.arraycopy(ops, 0, code, 0, ops.length);
        code[ops.length] = j(0, 0);
        code[ops.length + 1] = RET;
        return code;
    }

    static Hart hart(int[] code) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(false);
        for (int k = 0; k < code.length; k++) h.bus().ram().write32(BASE + 4L * k, code[k]);
        return h;
    }

    static String constants(byte[] classBytes) {
        return new String(classBytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void c1UnitsCallNoAluMethodForThem() {
        Translator t = new Translator();
        assertNotNull(t.translate(page(code()), 0, 0));
        String cp = constants(t.lastClassBytes);
        for (String callee : new String[] {"sltu", "mulh", "mulhsu", "mulhu", "compareUnsigned", "multiplyHigh"}) {
            assertFalse(cp.contains(callee), "the C1 unit names " + callee);
        }
        // The hot tier keeps the calls (C2 inlines them).
        Translator hot = new Translator();
        assertNotNull(hot.translate(page(code()), 0, null, -1, 0, true));
        assertTrue(constants(hot.lastClassBytes).contains("mulhu"), "the hot unit calls Alu.mulhu");
    }

    @Test
    void edgeAndRandomOperandsGiveTheInterpretersResults() {
        assertUnitsMatchTheInterpreter(OPS, operands(EDGES, 40, new Random(25)));
        // The reference really is Alu's: spot checks of what the interpreter gave.
        Hart ref = hart(code());
        ref.x[10] = -1;
        ref.x[11] = -1;
        ref.pc = BASE;
        ref.run(OPS.length);
        assertEquals(-2, ref.x[8], "mulhu(-1, -1)");
        assertEquals(0, ref.x[5], "mulh(-1, -1)");
        assertEquals(-1, ref.x[6], "mulhsu(-1, -1)");
        assertEquals(0, ref.x[19], "sltiu(-1, 2)");
        assertEquals(1, ref.x[15], "snez(-1)");
    }

    /** {@code edges}, then {@code random} more values of random magnitudes. */
    static long[] operands(long[] edges, int random, Random rnd) {
        long[] values = new long[edges.length + random];
        System.arraycopy(edges, 0, values, 0, edges.length);
        for (int k = edges.length; k < values.length; k++) values[k] = rnd.nextLong() >> rnd.nextInt(64);
        return values;
    }

    /**
     * A C1 unit and a hot-tier unit of {@code ops} (translated now, with the translator's switches as they are), run
     * with x10 and x11 set to every pair of {@code values}, end with every register as the interpreter does.
     */
    static void assertUnitsMatchTheInterpreter(int[] ops, long[] values) {
        // As the code cache does before any unit exists: without the directives HotSpot's own policy compiled this
        // test's C1 unit with C2 after its thousands of calls, and HotTierTest (same JVM, after it) saw a C2-compiled
        // Unit class in the code list.
        UnitCompilerDirectives.install();
        int[] code = code(ops);
        TranslatedUnit c1 = new Translator().translate(page(code), 0, 0);
        TranslatedUnit hot = new Translator().translate(page(code), 0, null, -1, 0, true);
        Hart jit = hart(code), ref = hart(code);
        for (long a : values) {
            for (long b : values) {
                java.util.Arrays.fill(ref.x, 0);
                ref.x[10] = a;
                ref.x[11] = b;
                ref.pc = BASE;
                ref.run(ops.length);
                for (TranslatedUnit u : new TranslatedUnit[] {c1, hot}) {
                    java.util.Arrays.fill(jit.x, 0);
                    jit.x[10] = a;
                    jit.x[11] = b;
                    jit.pc = BASE;
                    jit.inUnit = true;
                    assertEquals(ops.length + 1, u.run(jit, ops.length + 1), "ran the operations and one jump");
                    jit.inUnit = false;
                    for (int r = 1; r < 32; r++) {
                        assertEquals(ref.x[r], jit.x[r], (u == hot ? "hot " : "C1 ") + "x" + r + " for "
                                + Long.toHexString(a) + ", " + Long.toHexString(b));
                    }
                }
            }
        }
    }
}
