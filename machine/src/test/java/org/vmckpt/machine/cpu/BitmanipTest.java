package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.Isa;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * Zba, Zbb and Zbs ({@code -Dvmckpt.isa.bitmanip}, {@link Decode#bitmanip}): {@link Alu}'s definitions against values
 * worked out by hand from the spec's pseudo-code; which encodings of the four ALU major opcodes are legal, on and off;
 * the interpreter's results and traps; and the translator's written-out forms (both tiers) against the interpreter on
 * edge operands, with no call of Alu left in the units.
 */
class BitmanipTest {
    static final long BASE = 0x8000_0000L;
    static final long A = 0x0123_4567_89ab_cdefL;

    @AfterEach
    void switchBack() {
        Decode.bitmanip = Isa.BITMANIP;
    }

    @Test
    void aluMatchesHandWorkedValues() {
        // Zba
        assertEquals(0x8000_0001L, Alu.addUW(0xffff_ffff_8000_0000L, 1), "add.uw zero-extends rs1's low word");
        assertEquals(16, Alu.sh1add(3, 10));
        assertEquals(22, Alu.sh2add(3, 10));
        assertEquals(34, Alu.sh3add(3, 10));
        assertEquals(-8, Alu.sh3add(-1, 0));
        assertEquals(0x1_ffff_fffeL, Alu.sh1addUW(-1, 0));
        assertEquals(0x3_ffff_fffcL, Alu.sh2addUW(-1, 0));
        assertEquals(0x7_ffff_fff9L, Alu.sh3addUW(-1, 1));
        assertEquals(0xffff_ffffL, Alu.sllUW(-1, 0));
        assertEquals(0xffff_ffff_0000_0000L, Alu.sllUW(-1, 32));
        assertEquals(Long.MIN_VALUE, Alu.sllUW(-1, 63));
        assertEquals(0x10, Alu.sllUW(0x1_0000_0001L, 4));
        // Zbb: logic with negation
        assertEquals(0xf0, Alu.andn(0xff, 0x0f));
        assertEquals(-1, Alu.orn(0, 0));
        assertEquals(0xf0, Alu.orn(0xf0, -1));
        assertEquals(-1, Alu.xnor(A, A));
        assertEquals(0, Alu.xnor(0, -1));
        // counts
        assertEquals(64, Alu.clz(0, 0));
        assertEquals(63, Alu.clz(1, 0));
        assertEquals(0, Alu.clz(-1, 0));
        assertEquals(7, Alu.clz(A, 0));
        assertEquals(64, Alu.ctz(0, 0));
        assertEquals(63, Alu.ctz(Long.MIN_VALUE, 0));
        assertEquals(0, Alu.ctz(A, 0));
        assertEquals(4, Alu.ctz(0xf0, 0));
        assertEquals(64, Alu.cpop(-1, 0));
        assertEquals(0, Alu.cpop(0, 0));
        assertEquals(32, Alu.cpop(A, 0));
        assertEquals(32, Alu.clzw(0, 0));
        assertEquals(32, Alu.clzw(0xffff_ffff_0000_0000L, 0), "clzw reads the low word only");
        assertEquals(0, Alu.clzw(0x8000_0000L, 0));
        assertEquals(31, Alu.clzw(1, 0));
        assertEquals(32, Alu.ctzw(0, 0));
        assertEquals(32, Alu.ctzw(0x1_0000_0000L, 0));
        assertEquals(31, Alu.ctzw(0x8000_0000L, 0));
        assertEquals(32, Alu.cpopw(-1, 0));
        assertEquals(0, Alu.cpopw(0xffff_ffff_0000_0000L, 0));
        // min and max
        assertEquals(1, Alu.max(-1, 1));
        assertEquals(-1, Alu.min(-1, 1));
        assertEquals(-1, Alu.maxu(-1, 1));
        assertEquals(1, Alu.minu(-1, 1));
        assertEquals(Long.MIN_VALUE, Alu.maxu(Long.MIN_VALUE, Long.MAX_VALUE));
        assertEquals(Long.MIN_VALUE, Alu.min(Long.MIN_VALUE, Long.MAX_VALUE));
        assertEquals(0, Alu.minu(0, -1));
        // sign and zero extension
        assertEquals(-128, Alu.sextB(0x80, 0));
        assertEquals(127, Alu.sextB(0x7f, 0));
        assertEquals(-1, Alu.sextB(0x1ff, 0));
        assertEquals(-32768, Alu.sextH(0x8000, 0));
        assertEquals(0x7fff, Alu.sextH(0x1234_7fffL, 0));
        assertEquals(0xffff, Alu.zextH(-1, 0));
        // rotates (the distance mod 64, mod 32 for the word forms, whose results are sign-extended)
        assertEquals(3, Alu.rol(0x8000_0000_0000_0001L, 1));
        assertEquals(A, Alu.rol(A, 0));
        assertEquals(A, Alu.rol(A, 64));
        assertEquals(Long.MIN_VALUE, Alu.rol(1, 63));
        assertEquals(Long.MIN_VALUE, Alu.ror(1, 1));
        assertEquals(0x8000_0000_0000_0001L, Alu.ror(3, 1));
        assertEquals(0xef01_2345_6789_abcdL, Alu.ror(A, 8));
        assertEquals(3, Alu.rolw(0x8000_0001L, 1));
        assertEquals(0xffff_ffff_8000_0000L, Alu.rolw(0x4000_0000L, 1));
        assertEquals(0xffff_ffff_89ab_cdefL, Alu.rolw(A, 32), "rolw by 32 is by 0: the low word, sign-extended");
        assertEquals(0xffff_ffff_8000_0000L, Alu.rorw(1, 1));
        assertEquals(1, Alu.rorw(0xffff_ffff_0000_0002L, 1));
        assertEquals(0xffff_ffff_89ab_cdefL, Alu.rorw(A, 0));
        // orc.b, rev8
        assertEquals(0, Alu.orcB(0, 0));
        assertEquals(0xff00_0000_00ff_00ffL, Alu.orcB(0x0100_0000_0080_0001L, 0));
        assertEquals(-1, Alu.orcB(-1, 0));
        assertEquals(0xff00_0000_0000_0000L, Alu.orcB(Long.MIN_VALUE, 0));
        assertEquals(0x00ff_ffff_ffff_ffffL, Alu.orcB(0x0081_0203_0405_0607L, 0));
        assertEquals(0xefcd_ab89_6745_2301L, Alu.rev8(A, 0));
        // Zbs (the index mod 64)
        assertEquals(Long.MAX_VALUE, Alu.bclr(-1, 63));
        assertEquals(-2, Alu.bclr(-1, 64));
        assertEquals(1, Alu.bext(Long.MIN_VALUE, 63));
        assertEquals(1, Alu.bext(1, 64));
        assertEquals(0, Alu.bext(A, 4));
        assertEquals(Long.MIN_VALUE, Alu.binv(0, 63));
        assertEquals(0, Alu.binv(Long.MIN_VALUE, 63));
        assertEquals(0x1_0000_0000L, Alu.bset(0, 32));
        assertEquals(-1, Alu.bset(Long.MAX_VALUE, 63));
    }

    /** The number of legal encodings per major opcode and funct3, counted over every value of the upper bits. */
    static int[] legalCounts() {
        int[] counts = new int[4];
        int k = 0;
        for (int f3 : new int[] {1, 5}) { // OP-IMM, every imm[11:0]
            int n = 0;
            for (int imm = 0; imm < 4096; imm++) if (Decode.aluOperation(i(imm, 1, f3, 2, 0x13)) != null) n++;
            counts[k++] = n;
        }
        int n = 0;
        for (int f3 : new int[] {1, 5}) {
            for (int imm = 0; imm < 4096; imm++) if (Decode.aluOperation(i(imm, 1, f3, 2, 0x1b)) != null) n++;
        }
        counts[k++] = n;
        n = 0;
        for (int opcode : new int[] {0x33, 0x3b}) {
            for (int f7 = 0; f7 < 128; f7++) {
                for (int f3 = 0; f3 < 8; f3++) {
                    for (int rs2 : new int[] {0, 3}) if (Decode.aluOperation(r(f7, rs2, 1, f3, 2, opcode)) != null) n++;
                }
            }
        }
        counts[k] = n;
        return counts;
    }

    @Test
    void decodingNamesExactlyTheSpecsEncodings() {
        Decode.bitmanip = false;
        // Off, main's decoding: every OP-IMM shift encoding runs as a shift, whatever its upper bits.
        assertArrayEquals(new int[] {4096, 4096, 8192, 2 * (18 + 10)}, legalCounts());
        assertEquals("sll", Decode.aluOperation(i(0x600, 1, 1, 2, 0x13)), "off: clz's encoding is main's slli");
        assertNull(Decode.aluOperation(r(0x20, 3, 1, 7, 2, 0x33)), "off: andn is illegal");

        Decode.bitmanip = true;
        // OP-IMM funct3 1: slli, bseti, bclri, binvi (64 each), clz, ctz, cpop, sext.b, sext.h.
        // funct3 5: srli, srai, bexti, rori (64 each), orc.b, rev8.
        // OP-IMM-32: slliw (32), slli.uw (64), clzw, ctzw, cpopw; srliw, sraiw, roriw (32 each).
        // OP and OP-32 with rs2 x0 and x3: the 18 + 10 of the base and M, Zbb's andn orn xnor min minu max maxu rol ror
        // rolw rorw (11), Zba's sh1add sh2add sh3add and their .uw, add.uw (7), Zbs's bclr bext binv bset (4): 50 each,
        // and zext.h with rs2 x0 only.
        assertArrayEquals(new int[] {4 * 64 + 5, 4 * 64 + 2, 32 + 64 + 3 + 3 * 32, 2 * 50 + 1}, legalCounts());
        int[][] named = {
                {i(0x600, 1, 1, 2, 0x13)}, {i(0x601, 1, 1, 2, 0x13)}, {i(0x602, 1, 1, 2, 0x13)}, {i(0x604, 1, 1, 2, 0x13)},
                {i(0x605, 1, 1, 2, 0x13)}, {i(0x287, 1, 5, 2, 0x13)}, {i(0x6b8, 1, 5, 2, 0x13)}, {i(0x600 | 13, 1, 5, 2, 0x13)},
                {i(0x280 | 63, 1, 1, 2, 0x13)}, {i(0x480, 1, 1, 2, 0x13)}, {i(0x680 | 7, 1, 1, 2, 0x13)}, {i(0x480 | 9, 1, 5, 2, 0x13)},
                {i(0x080 | 40, 1, 1, 2, 0x1b)}, {i(0x600, 1, 1, 2, 0x1b)}, {i(0x601, 1, 1, 2, 0x1b)}, {i(0x602, 1, 1, 2, 0x1b)},
                {i(0x600 | 31, 1, 5, 2, 0x1b)}, {r(0x04, 0, 1, 4, 2, 0x3b)}, {r(0x04, 3, 1, 0, 2, 0x3b)},
                {r(0x20, 3, 1, 7, 2, 0x33)}, {r(0x20, 3, 1, 6, 2, 0x33)}, {r(0x20, 3, 1, 4, 2, 0x33)},
                {r(0x05, 3, 1, 4, 2, 0x33)}, {r(0x05, 3, 1, 5, 2, 0x33)}, {r(0x05, 3, 1, 6, 2, 0x33)}, {r(0x05, 3, 1, 7, 2, 0x33)},
                {r(0x10, 3, 1, 2, 2, 0x33)}, {r(0x10, 3, 1, 4, 2, 0x33)}, {r(0x10, 3, 1, 6, 2, 0x33)},
                {r(0x10, 3, 1, 2, 2, 0x3b)}, {r(0x10, 3, 1, 4, 2, 0x3b)}, {r(0x10, 3, 1, 6, 2, 0x3b)},
                {r(0x30, 3, 1, 1, 2, 0x33)}, {r(0x30, 3, 1, 5, 2, 0x33)}, {r(0x30, 3, 1, 1, 2, 0x3b)}, {r(0x30, 3, 1, 5, 2, 0x3b)},
                {r(0x24, 3, 1, 1, 2, 0x33)}, {r(0x24, 3, 1, 5, 2, 0x33)}, {r(0x34, 3, 1, 1, 2, 0x33)}, {r(0x14, 3, 1, 1, 2, 0x33)},
        };
        String[] names = {"clz", "ctz", "cpop", "sextB", "sextH", "orcB", "rev8", "ror", "bset", "bclr", "binv", "bext",
                "sllUW", "clzw", "ctzw", "cpopw", "rorw", "zextH", "addUW", "andn", "orn", "xnor", "min", "minu", "max", "maxu",
                "sh1add", "sh2add", "sh3add", "sh1addUW", "sh2addUW", "sh3addUW", "rol", "ror", "rolw", "rorw",
                "bclr", "bext", "binv", "bset"};
        for (int k = 0; k < names.length; k++) {
            assertEquals(names[k], Decode.aluOperation(named[k][0]), String.format("%08x", named[k][0]));
        }
        // The spec's own encodings (objdump of the assembler's output): orc.b a0, a0; rev8 a0, a0; clz a0, a1; sh1add a0, a1, a2.
        assertEquals("orcB", Decode.aluOperation(0x28755513));
        assertEquals("rev8", Decode.aluOperation(0x6b855513));
        assertEquals("clz", Decode.aluOperation(0x60059513));
        assertEquals("sh1add", Decode.aluOperation(0x20c5a533));
    }

    static Hart hart(int[] code) {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        h.setTranslation(false);
        for (int k = 0; k < code.length; k++) mem.write32(BASE + 4L * k, code[k]);
        mem.write32(BASE + 0x800, j(0, 0)); // trap vector: spin
        h.mtvec = BASE + 0x800;
        h.pc = BASE;
        return h;
    }

    @Test
    void theInterpreterRunsThemWithTheSwitchOnAndTrapsOnTheRest() {
        Decode.bitmanip = true;
        int[] code = {
                i(0x287, 10, 5, 5, 0x13),        // orc.b x5, x10
                i(0x6b8, 10, 5, 6, 0x13),        // rev8 x6, x10
                i(0x600, 10, 1, 7, 0x13),        // clz x7, x10
                i(0x601, 10, 1, 8, 0x1b),        // ctzw x8, x10
                i(0x600 | 8, 10, 5, 9, 0x13),    // rori x9, x10, 8
                i(0x080 | 32, 11, 1, 12, 0x1b),  // slli.uw x12, x11, 32
                i(0x280 | 63, 0, 1, 13, 0x13),   // bseti x13, x0, 63
                r(0x10, 11, 10, 6, 14, 0x3b),    // sh3add.uw x14, x10, x11
                r(0x04, 0, 11, 4, 15, 0x3b),     // zext.h x15, x11
                i(0x600 | 4, 11, 5, 16, 0x1b),   // roriw x16, x11, 4
                r(0x05, 11, 10, 5, 17, 0x33),    // minu x17, x10, x11
        };
        Hart h = hart(code);
        h.x[10] = 0x0100_0000_0080_0001L;
        h.x[11] = 0xffff_ffff_1234_5678L;
        h.run(code.length);
        assertEquals(BASE + 4L * code.length, h.pc, "no trap");
        assertEquals(0xff00_0000_00ff_00ffL, h.x[5]);
        assertEquals(0x0100_8000_0000_0001L, h.x[6]);
        assertEquals(7, h.x[7]);
        assertEquals(0, h.x[8]);
        assertEquals(0x0101_0000_0000_8000L, h.x[9]);
        assertEquals(0x1234_5678_0000_0000L, h.x[12]);
        assertEquals(Long.MIN_VALUE, h.x[13]);
        assertEquals(0xffff_ffff_1234_5678L + (0x0080_0001L << 3), h.x[14]);
        assertEquals(0x5678, h.x[15]);
        assertEquals(0xffff_ffff_8123_4567L, h.x[16]);
        assertEquals(0x0100_0000_0080_0001L, h.x[17]);

        // Encodings in these spaces that are none of them: illegal, rd untouched (both engines).
        int[] illegal = {
                i(0x603, 1, 1, 5, 0x13),          // OP-IMM funct3 1, funct12 0x603 (no such count)
                i(0x040 | 3, 1, 1, 5, 0x13),      // slli with funct6 1
                i(0x6b0, 1, 5, 5, 0x13),          // rev8's neighbour
                i(0x020 | 3, 1, 1, 5, 0x1b),      // slliw with shamt[5] set
                i(0x603, 1, 1, 5, 0x1b),          // OP-IMM-32 count 3
                i(0x500, 1, 5, 5, 0x1b),          // OP-IMM-32 funct7 0x28
                r(0x04, 3, 1, 4, 5, 0x3b),        // packw (Zbkb), not zext.h
                r(0x04, 0, 1, 4, 5, 0x33),        // zext.h's RV32 encoding (OP): not RV64's
                r(0x05, 3, 1, 0, 5, 0x33),        // OP funct7 5 funct3 0
                r(0x05, 3, 1, 1, 5, 0x33),        // clmul (Zbc: not implemented)
                r(0x30, 3, 1, 2, 5, 0x33),        // OP funct7 0x30 funct3 2
                r(0x10, 3, 1, 3, 5, 0x3b),        // OP-32 funct7 0x10 funct3 3
        };
        for (boolean translate : new boolean[] {false, true}) {
            for (int insn : illegal) {
                Hart t = hart(new int[] {insn});
                t.setTranslation(translate);
                t.x[1] = 0x1234;
                t.x[3] = 7;
                t.x[5] = 0x5555;
                t.run(1);
                String what = String.format("%08x (translation %s, %s)", insn, translate, Decode.aluOperation(insn));
                assertEquals(CAUSE_ILLEGAL_INSTRUCTION, t.mcause, what);
                assertEquals(BASE + 0x800, t.pc, what);
                assertEquals(0x5555, t.x[5], what);
            }
        }
    }

    /** Off, the encodings are main's: clz's bits run as slli (by 0), andn's trap. */
    @Test
    void offTheInterpreterDecodesAsMain() {
        Decode.bitmanip = false;
        Hart h = hart(new int[] {i(0x600, 10, 1, 5, 0x13), r(0x20, 11, 10, 7, 6, 0x33)});
        h.x[10] = 0x1234;
        h.x[6] = 0x5555;
        h.run(2);
        assertEquals(0x1234, h.x[5], "clz's encoding off: slli x5, x10, 0 (main's)");
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, "andn off: illegal");
        assertEquals(0x5555, h.x[6]);
    }

    /** x10 and x11 are the operands; results in x5-x9, x12-x31. */
    static final int[][] PROGRAMS = {
            {
                    r(0x04, 11, 10, 0, 5, 0x3b),     // add.uw
                    r(0x10, 11, 10, 2, 6, 0x33),     // sh1add
                    r(0x10, 11, 10, 4, 7, 0x33),     // sh2add
                    r(0x10, 11, 10, 6, 8, 0x33),     // sh3add
                    r(0x10, 11, 10, 2, 9, 0x3b),     // sh1add.uw
                    r(0x10, 11, 10, 4, 12, 0x3b),    // sh2add.uw
                    r(0x10, 11, 10, 6, 13, 0x3b),    // sh3add.uw
                    i(0x080 | 31, 10, 1, 14, 0x1b),  // slli.uw 31
                    i(0x080, 10, 1, 15, 0x1b),       // slli.uw 0
                    r(0x20, 11, 10, 7, 16, 0x33),    // andn
                    r(0x20, 11, 10, 6, 17, 0x33),    // orn
                    r(0x20, 11, 10, 4, 18, 0x33),    // xnor
                    r(0x05, 11, 10, 4, 19, 0x33),    // min
                    r(0x05, 11, 10, 5, 20, 0x33),    // minu
                    r(0x05, 11, 10, 6, 21, 0x33),    // max
                    r(0x05, 11, 10, 7, 22, 0x33),    // maxu
                    r(0x30, 11, 10, 1, 23, 0x33),    // rol
                    r(0x30, 11, 10, 5, 24, 0x33),    // ror
                    r(0x30, 11, 10, 1, 25, 0x3b),    // rolw
                    r(0x30, 11, 10, 5, 26, 0x3b),    // rorw
                    r(0x24, 11, 10, 1, 27, 0x33),    // bclr
                    r(0x24, 11, 10, 5, 28, 0x33),    // bext
                    r(0x34, 11, 10, 1, 29, 0x33),    // binv
                    r(0x14, 11, 10, 1, 30, 0x33),    // bset
                    r(0x05, 10, 10, 6, 31, 0x33),    // max x31, x10, x10
            },
            {
                    i(0x600, 10, 1, 5, 0x13),        // clz
                    i(0x601, 10, 1, 6, 0x13),        // ctz
                    i(0x602, 10, 1, 7, 0x13),        // cpop
                    i(0x600, 10, 1, 8, 0x1b),        // clzw
                    i(0x601, 10, 1, 9, 0x1b),        // ctzw
                    i(0x602, 10, 1, 12, 0x1b),       // cpopw
                    i(0x604, 10, 1, 13, 0x13),       // sext.b
                    i(0x605, 10, 1, 14, 0x13),       // sext.h
                    r(0x04, 0, 10, 4, 15, 0x3b),     // zext.h
                    i(0x287, 10, 5, 16, 0x13),       // orc.b
                    i(0x6b8, 10, 5, 17, 0x13),       // rev8
                    i(0x600 | 63, 10, 5, 18, 0x13),  // rori 63
                    i(0x600, 10, 5, 19, 0x13),       // rori 0
                    i(0x600 | 31, 10, 5, 20, 0x1b),  // roriw 31
                    i(0x600, 10, 5, 21, 0x1b),       // roriw 0
                    i(0x480 | 63, 10, 1, 22, 0x13),  // bclri 63
                    i(0x480 | 31, 10, 5, 23, 0x13),  // bexti 31
                    i(0x680 | 32, 10, 1, 24, 0x13),  // binvi 32
                    i(0x280, 10, 1, 25, 0x13),       // bseti 0
                    r(0x05, 5, 11, 5, 26, 0x33),     // minu x26, x11, x5 (a count)
                    r(0x20, 10, 10, 7, 27, 0x33),    // andn x27, x10, x10 (0)
                    i(0x287, 11, 5, 28, 0x13),       // orc.b x28, x11
                    r(0x30, 10, 11, 1, 29, 0x3b),    // rolw x29, x11, x10
                    r(0x10, 5, 6, 2, 30, 0x33),      // sh1add x30, x6, x5
                    i(0x600, 11, 1, 31, 0x13),       // clz x31, x11
            },
    };

    static final long[] EDGES = {
            0, 1, 2, -1, -2, 31, 32, 33, 63, 64, 65, 127, 128, 255, 0x80, 0x8000, 0xffff, Long.MIN_VALUE, Long.MAX_VALUE,
            Integer.MIN_VALUE, Integer.MAX_VALUE, 0x8000_0000L, 0xffff_ffffL, 0x1_0000_0000L, 0xffff_ffff_7fff_ffffL,
            0x0100_0000_0080_0001L, 0x1234_5678_9abc_def0L, 0xfedc_ba98_7654_3210L, A,
    };

    /**
     * The interpreter's fast loop runs them itself with the switch on (InterpreterFastLoop: Decode#bitmanipIfOn) and
     * ends where its general loop ends, on and off (off: the first instruction traps or is main's shift, in both).
     */
    @Test
    void theFastLoopAndTheGeneralLoopAgree() {
        for (boolean on : new boolean[] {true, false}) {
            Decode.bitmanip = on;
            for (int[] ops : PROGRAMS) {
                for (long a : EDGES) {
                    long b = ~a * 0x9E37_79B9_7F4A_7C15L;
                    Hart fast = hart(ops), general = hart(ops);
                    fast.interpreter.setFastLoop(true);
                    general.interpreter.setFastLoop(false);
                    for (Hart h : new Hart[] {fast, general}) {
                        h.x[10] = a;
                        h.x[11] = b;
                        h.run(ops.length);
                    }
                    assertEquals(general.pc, fast.pc, "pc, switch " + on);
                    assertEquals(general.instret, fast.instret, "instret, switch " + on);
                    for (int r = 1; r < 32; r++) assertEquals(general.x[r], fast.x[r], "x" + r + " for " + Long.toHexString(a) + ", switch " + on);
                }
            }
        }
        // The fast loop really runs them: one call of it retires a whole program (its TLB filled by one general-loop
        // instruction first); with the switch off it stops before the first.
        for (boolean on : new boolean[] {true, false}) {
            Decode.bitmanip = on;
            for (int[] ops : PROGRAMS) {
                Hart h = hart(ops);
                h.interpreter.setFastLoop(true);
                h.x[10] = A;
                h.run(1);
                h.pc = BASE;
                h.events = 0;
                InterpreterFastLoop loop = new InterpreterFastLoop(h.interpreter);
                assertEquals(on ? ops.length : 0, loop.run(ops.length, false, -1), "switch " + on);
            }
        }
    }

    @Test
    void unitsWriteThemOutAndMatchTheInterpreter() {
        Decode.bitmanip = true;
        for (int[] ops : PROGRAMS) {
            for (boolean hot : new boolean[] {false, true}) {
                Translator t = new Translator();
                TranslatedUnit u = t.translate(WrittenOutAluTest.page(WrittenOutAluTest.code(ops)), 0, null, -1, 0, hot);
                assertNotNull(u);
                String cp = WrittenOutAluTest.constants(t.lastClassBytes);
                assertFalse(cp.contains("org/vmckpt/machine/cpu/Alu"), (hot ? "hot" : "C1") + " unit calls Alu");
                assertFalse(cp.contains("execOne"), (hot ? "hot" : "C1") + " unit runs an instruction through the interpreter");
            }
        }
        long[] values = WrittenOutAluTest.operands(EDGES, 16, new Random(73));
        for (int[] ops : PROGRAMS) WrittenOutAluTest.assertUnitsMatchTheInterpreter(ops, values);
    }
}
