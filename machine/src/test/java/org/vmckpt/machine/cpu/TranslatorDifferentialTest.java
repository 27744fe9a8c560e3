package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * Differential test of the translator against the interpreter: random RV64GC programs (a random body of integer,
 * M, compressed, load/store of every width incl. misaligned and page-crossing, AMO, LR/SC, floating point, CSR,
 * fence/fence.i, forward branches, indirect jumps, calls to another page, faulting accesses and illegal
 * instructions skipped by an M-mode trap handler, and rare rewrites of an instruction of the body itself) inside
 * a counted loop, run by two harts from the same start state: one interpreting only, one with the translator.
 * At several instruction counts (reached with different random budget splits on either side) the harts' state
 * records and all of RAM must be equal. Runs in M-mode with bare addressing and in S- and U-mode with Sv39 on.
 *
 * <p>Every run also asserts that the translator really ran code (a test of the translator that never translates
 * proves nothing).
 */
class TranslatorDifferentialTest {
    static final long BASE = 0x8000_0000L;
    static final int RAM = 8 << 20;
    static final long HANDLER = BASE + 0x9000;
    static final long LOOP = BASE + 0x1000;
    static final long FUNC = BASE + 0x8000;
    static final long ROOT = BASE + 0x10000;
    static final long DATA = BASE + 0x20000;
    /** An alias of all of RAM (Sv39 runs only): the same physical pages through a second gigapage. */
    static final long ALIAS = 0x4000_0000L;
    static final long UNMAPPED = 0x1_0000_0000L; // nothing there: access fault (bare) or page fault (Sv39)

    /**
     * Registers the random body may write. x2, x8 (compressed bases), x25..x31 are reserved; x25 is changed only by
     * the self-patched instruction, so a stale translation of it shows in x25 at the next comparison.
     */
    static final int[] W = {1, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24};
    static final int T = 27, T2 = 30 /* handler scratch: free outside traps */, ACC = 25, BAD = 26, CNT = 28, DBASE = 29;

    // ------------------------------------------------------------------ program generation

    /** One piece of the body: encodings, each (len << 32 | bits); a branch item is resolved at emission. */
    static final class Item {
        final List<Long> parts = new ArrayList<>();
        int branchSkip = -1; // forward branch over this many following items; -2: jal x1, FUNC
        int branchBits;      // the branch without its offset
        int compressed = -1; // >= 0: a compressed branch or jump instead: 0 c.j, else c.beqz (6) / c.bnez (7) on x(8 + reg)
        int cReg;
        int size() {
            int s = 0;
            for (long p : parts) s += (int) (p >>> 32);
            return s + (branchSkip >= 0 ? (compressed >= 0 ? 2 : 4) : branchSkip == -2 ? 4 : 0);
        }
        Item i32(int bits) { parts.add(4L << 32 | (bits & 0xffffffffL)); return this; }
        Item i16(int bits) { parts.add(2L << 32 | (bits & 0xffffL)); return this; }
    }

    static final class Code {
        final byte[] b;
        final long base;
        int pos;
        Code(long base, int size) { this.base = base; b = new byte[size]; }
        long pc() { return base + pos; }
        Code e32(int v) { for (int k = 0; k < 4; k++) b[pos++] = (byte) (v >>> (8 * k)); return this; }
        Code e16(int v) { b[pos++] = (byte) v; b[pos++] = (byte) (v >>> 8); return this; }
        Code li(int rd, long v) { Asm a = new Asm().li(rd, v); byte[] x = a.bytes(); System.arraycopy(x, 0, b, pos, x.length); pos += x.length; return this; }
    }

    // Generator state (JUnit's instance has its own, unused).
    Random rnd = new Random(0);
    int mode = Hart.PRIV_M; // PRIV_M (bare), PRIV_S or PRIV_U (Sv39), or MPRV
    /** M-mode code (bare fetch) whose data accesses translate through Sv39 (mstatus.MPRV, U-accessible pages). */
    static final int MPRV = 4;

    boolean machineMode() { return mode == Hart.PRIV_M || mode == MPRV; }
    /** A third of the body's items are {@link #wordItem}s (off for the seeds of the other tests, whose programs stay as they were). */
    boolean wordChains;

    static TranslatorDifferentialTest generator(long seed, int mode) {
        TranslatorDifferentialTest g = new TranslatorDifferentialTest();
        g.rnd = new Random(seed);
        g.mode = mode;
        return g;
    }

    int w() { return rnd.nextInt(8) == 0 ? 0 : W[rnd.nextInt(W.length)]; }
    int anyReg() { return rnd.nextInt(32); }
    int fr() { return rnd.nextInt(32); }
    int rm() { int k = rnd.nextInt(40); return k == 0 ? 5 : k < 8 ? 7 : k % 5; } // mostly valid, 7 = dynamic, rarely 5 (illegal)

    /** An address in T: DBASE + (random register & mask); DBASE sits 64 bytes below a page boundary. */
    void address(Item it, int mask) {
        it.i32(i(mask, anyReg(), 7, T, 0x13)).i32(add(T, T, DBASE));
    }

    Item aluItem() {
        Item it = new Item();
        int rd = w(), a = anyReg(), b = anyReg();
        switch (rnd.nextInt(8)) {
            case 0: { // OP
                int[][] ops = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {0, 6}, {0, 7}, {0x20, 0}, {0x20, 5},
                        {1, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}};
                int[] o = ops[rnd.nextInt(ops.length)];
                return it.i32(r(o[0], b, a, o[1], rd, 0x33));
            }
            case 1: { // OP-32
                int[][] ops = {{0, 0}, {0, 1}, {0, 5}, {0x20, 0}, {0x20, 5}, {1, 0}, {1, 4}, {1, 5}, {1, 6}, {1, 7}};
                int[] o = ops[rnd.nextInt(ops.length)];
                return it.i32(r(o[0], b, a, o[1], rd, 0x3b));
            }
            case 2: { // OP-IMM
                int f3 = new int[]{0, 1, 2, 3, 4, 5, 6, 7}[rnd.nextInt(8)];
                int imm = rnd.nextInt(4096) - 2048;
                if (f3 == 1) imm = rnd.nextInt(64);
                if (f3 == 5) imm = rnd.nextInt(64) | (rnd.nextBoolean() ? 0x400 : 0);
                return it.i32(i(imm, a, f3, rd, 0x13));
            }
            case 3: { // OP-IMM-32
                int f3 = new int[]{0, 1, 5}[rnd.nextInt(3)];
                int imm = rnd.nextInt(4096) - 2048;
                if (f3 == 1) imm = rnd.nextInt(32);
                if (f3 == 5) imm = rnd.nextInt(32) | (rnd.nextBoolean() ? 0x400 : 0);
                return it.i32(i(imm, a, f3, rd, 0x1b));
            }
            case 4: return it.i32(u(rnd.nextInt(), rd, 0x37)); // lui
            case 5: return it.i32(u(rnd.nextInt(), rd, 0x17)); // auipc
            default: return compressedItem();
        }
    }

    /** A random 16-bit encoding whose expansion is harmless (no control flow, writes only W, bases x2/x8). */
    Item compressedItem() {
        while (true) {
            int c = rnd.nextInt(65536);
            if ((c & 3) == 3) continue;
            int e = Compressed.expandCached(c);
            if (e == 0) continue;
            int op = e & 0x7f, rd = (e >>> 7) & 31, rs1 = (e >>> 15) & 31;
            boolean rdOk = rd == 0 || Arrays.stream(W).anyMatch(x -> x == rd);
            boolean ok;
            switch (op) {
                case 0x13: case 0x1b: case 0x33: case 0x3b: case 0x37: ok = rdOk; break;
                case 0x03: ok = rdOk && (rs1 == 2 || rs1 == 8); break;
                case 0x07: case 0x23: case 0x27: ok = rs1 == 2 || rs1 == 8; break;
                default: ok = false;
            }
            if (ok) return new Item().i16(c);
        }
    }

    /**
     * Word operations feeding and, or, xor and their immediate forms, as SHA-256's rounds have them (a rotate written
     * as srliw, slliw and or, then xor, addw), with an lw among them, and sometimes an operand rewritten by a 64-bit
     * operation in between: the translator's int form of such logic (Translator#emitWordLogic) is compared where its
     * operands are word-valued and where one no longer is.
     */
    Item wordItem() {
        Item it = new Item();
        int x = anyReg(), a = w(), b = w(), c = w();
        int n = 1 + rnd.nextInt(31);
        it.i32(i(n, x, 5, a, 0x1b)); // srliw a, x, n
        it.i32(i(32 - n, x, 1, b, 0x1b)); // slliw b, x, 32 - n
        switch (rnd.nextInt(5)) {
            case 0: it.i32(r(0, b, b, 0, b, 0x33)); break; // add b, b, b: 64 bits, no longer word-valued
            case 1: it.i32(i(4 * rnd.nextInt(16), DBASE, 2, a, 0x03)); break; // lw a, off(DBASE)
            case 2: it.i32(i(4 * rnd.nextInt(16), DBASE, 6, a, 0x03)); break; // lwu a, off(DBASE): not sign-extended
            case 3: it.i32(r(0, anyReg(), anyReg(), 0, a, 0x3b)); break; // addw a, ...
            default: break;
        }
        int[] logic = {4, 6, 7}; // xor, or, and
        it.i32(r(0, b, a, logic[rnd.nextInt(3)], c, 0x33));
        if (rnd.nextBoolean()) it.i32(i(rnd.nextInt(4096) - 2048, c, logic[rnd.nextInt(3)], w(), 0x13)); // xori, ori, andi
        if (rnd.nextBoolean()) it.i32(r(0, anyReg(), c, logic[rnd.nextInt(3)], w(), 0x33)); // with any register
        it.i32(r(0, c, anyReg(), 0, w(), 0x3b)); // addw
        return it;
    }

    /**
     * The generator's Zba/Zbb/Zbs items ({@link #bitmanipItem}), a third of the body, with Decode#bitmanip on (off for
     * every other test, whose programs stay as they were; the test that sets it puts it back).
     */
    static boolean bitmanipItems;

    /**
     * A Zba, Zbb or Zbs instruction on random registers (every operation, the immediate forms with random shift amounts),
     * sometimes after a word operation that makes an operand word-valued and before an and/or/xor of its result (the
     * translator's word logic and int locals meet the new operations), or random bits under their funct fields (legal
     * or not).
     */
    Item bitmanipItem() {
        Item it = new Item();
        int rd = w(), a = anyReg(), b = anyReg();
        if (rnd.nextInt(4) == 0) it.i32(i(rnd.nextInt(32), anyReg(), 5, a == 0 ? 0 : w(), 0x1b)); // srliw: a word value
        int k = rnd.nextInt(48);
        int sh = rnd.nextInt(64);
        int[][] reg = { // funct7, funct3, opcode
                {0x04, 0, 0x3b}, {0x10, 2, 0x33}, {0x10, 4, 0x33}, {0x10, 6, 0x33}, {0x10, 2, 0x3b}, {0x10, 4, 0x3b},
                {0x10, 6, 0x3b}, {0x20, 7, 0x33}, {0x20, 6, 0x33}, {0x20, 4, 0x33}, {0x05, 4, 0x33}, {0x05, 5, 0x33},
                {0x05, 6, 0x33}, {0x05, 7, 0x33}, {0x30, 1, 0x33}, {0x30, 5, 0x33}, {0x30, 1, 0x3b}, {0x30, 5, 0x3b},
                {0x24, 1, 0x33}, {0x24, 5, 0x33}, {0x34, 1, 0x33}, {0x14, 1, 0x33},
        };
        int[][] imm = { // imm[11:0] (with the shift amount or'ed in where it has one), funct3, opcode
                {0x600, 1, 0x13}, {0x601, 1, 0x13}, {0x602, 1, 0x13}, {0x604, 1, 0x13}, {0x605, 1, 0x13},
                {0x600, 1, 0x1b}, {0x601, 1, 0x1b}, {0x602, 1, 0x1b}, {0x287, 5, 0x13}, {0x6b8, 5, 0x13},
                {0x600 | sh, 5, 0x13}, {0x600 | sh & 31, 5, 0x1b}, {0x080 | sh, 1, 0x1b}, {0x480 | sh, 1, 0x13},
                {0x480 | sh, 5, 0x13}, {0x680 | sh, 1, 0x13}, {0x280 | sh, 1, 0x13},
        };
        if (k < reg.length) {
            it.i32(r(reg[k][0], b, a, reg[k][1], rd, reg[k][2]));
        } else if (k < reg.length + imm.length) {
            int[] o = imm[k - reg.length];
            it.i32(i(o[0], a, o[1], rd, o[2]));
        } else if (k < 46) { // zext.h
            it.i32(r(0x04, 0, a, 4, rd, 0x3b));
        } else { // random upper bits under OP-IMM's and OP-IMM-32's funct3 1 and 5, OP's and OP-32's funct7
            int f3 = rnd.nextBoolean() ? 1 : 5;
            it.i32(rnd.nextBoolean() ? i(rnd.nextInt(4096), a, f3, rd, rnd.nextBoolean() ? 0x13 : 0x1b)
                    : r(rnd.nextInt(128), b, a, rnd.nextInt(8), rd, rnd.nextBoolean() ? 0x33 : 0x3b));
        }
        if (rnd.nextInt(3) == 0) it.i32(r(0, anyReg(), rd, new int[] {4, 6, 7}[rnd.nextInt(3)], w(), 0x33)); // xor, or, and
        return it;
    }

    Item memItem() {
        Item it = new Item();
        boolean store = rnd.nextBoolean();
        boolean fp = rnd.nextInt(4) == 0;
        int f3 = fp ? 2 + rnd.nextInt(2) : store ? rnd.nextInt(4) : new int[]{0, 1, 2, 3, 4, 5, 6}[rnd.nextInt(7)];
        int base, imm;
        int kind = rnd.nextInt(20);
        if (kind == 0) { // faults
            base = BAD;
            imm = rnd.nextInt(64);
        } else if (kind < 8) { // direct, anywhere in +-2 KiB of DBASE (crosses into the next page at +64)
            base = DBASE;
            imm = rnd.nextInt(4096) - 2048;
        } else { // data dependent, around the page boundary
            address(it, new int[]{7, 0x3f, 0x7f, 0x7ff}[rnd.nextInt(4)]);
            base = T;
            imm = rnd.nextInt(161) - 80;
        }
        int opcode = fp ? (store ? 0x27 : 0x07) : (store ? 0x23 : 0x03);
        if (store) it.i32(s(imm, fp ? fr() : anyReg(), base, f3, opcode));
        else it.i32(i(imm, base, f3, fp ? fr() : w(), opcode));
        return it;
    }

    Item amoItem() {
        Item it = new Item();
        boolean dword = rnd.nextBoolean();
        address(it, rnd.nextInt(12) == 0 ? 0x7f : 0x78 & (dword ? ~7 : ~3)); // sometimes misaligned: a trap
        int f3 = dword ? 3 : 2;
        int aqrl = rnd.nextInt(4);
        if (rnd.nextInt(4) == 0) { // LR, something, SC
            it.i32(2 << 27 | aqrl << 25 | T << 15 | f3 << 12 | w() << 7 | 0x2f);
            if (rnd.nextBoolean()) it.i32(aluItemBits());
            it.i32(3 << 27 | aqrl << 25 | anyReg() << 20 | T << 15 | f3 << 12 | w() << 7 | 0x2f);
            return it;
        }
        int[] f5 = {0, 1, 3, 4, 8, 0xc, 0x10, 0x14, 0x18, 0x1c};
        return it.i32(f5[rnd.nextInt(f5.length)] << 27 | aqrl << 25 | anyReg() << 20 | T << 15 | f3 << 12 | w() << 7 | 0x2f);
    }

    int aluItemBits() {
        return r(0, anyReg(), anyReg(), rnd.nextInt(8), w(), 0x33);
    }

    Item fpItem() {
        Item it = new Item();
        int fmt = rnd.nextInt(2); // 0 single, 1 double
        int rd = fr(), a = fr(), b = fr();
        switch (rnd.nextInt(12)) {
            case 0: case 1: return it.i32(r(rnd.nextInt(4) << 2 | fmt, b, a, rm(), rd, 0x53)); // fadd fsub fmul fdiv
            case 2: return it.i32(r(0x0B << 2 | fmt, 0, a, rm(), rd, 0x53)); // fsqrt
            case 3: return it.i32(r(0x04 << 2 | fmt, b, a, rnd.nextInt(3), rd, 0x53)); // fsgnj[n|x]
            case 4: return it.i32(r(0x05 << 2 | fmt, b, a, rnd.nextInt(2), rd, 0x53)); // fmin fmax
            case 5: return it.i32(fmt == 0 ? r(0x20, 1, a, rm(), rd, 0x53) : r(0x21, 0, a, rm(), rd, 0x53)); // fcvt.s.d / fcvt.d.s
            case 6: return it.i32(r(0x14 << 2 | fmt, b, a, rnd.nextInt(3), w(), 0x53)); // feq flt fle
            case 7: return it.i32(r(0x1C << 2 | fmt, 0, a, rnd.nextInt(2), w(), 0x53)); // fmv.x / fclass
            case 8: return it.i32(r(0x18 << 2 | fmt, rnd.nextInt(4), a, rm(), w(), 0x53)); // fcvt.{w,wu,l,lu}
            case 9: return it.i32(r(0x1A << 2 | fmt, rnd.nextInt(4), anyReg(), rm(), rd, 0x53)); // fcvt from int
            case 10: return it.i32(r(0x1E << 2 | fmt, 0, anyReg(), 0, rd, 0x53)); // fmv from int
            default: // fmadd fmsub fnmsub fnmadd
                return it.i32(fr() << 27 | fmt << 25 | b << 20 | a << 15 | rm() << 12 | rd << 7 | (0x43 + 4 * rnd.nextInt(4)));
        }
    }

    Item csrItem() {
        Item it = new Item();
        if (rnd.nextInt(6) == 0) {
            // Rewrite satp or [m|s]status with its own value: translation context "changes" inside a unit.
            int csr = rnd.nextBoolean() ? SATP : machineMode() ? MSTATUS : SSTATUS;
            if (asidItems && csr == SATP && rnd.nextBoolean()) {
                asidItemsMade++;
                // A switch to another ASID (0-3) of the same tables: satp ^= k << 44 (a no-op where satp keeps no such bit).
                return it.i32(addi(T2, 0, rnd.nextInt(4))).i32(i(44, T2, 1, T2, 0x13)).i32(csrrs(T, SATP, 0))
                        .i32(r(0, T2, T, 4, T, 0x33)).i32(csrrw(0, SATP, T));
            }
            return it.i32(csrrs(T, csr, 0)).i32(csrrw(0, csr, T));
        }
        int[] readWrite = machineMode()
                ? new int[]{MSCRATCH, SSCRATCH, FFLAGS, FRM, FCSR, MINSTRET, MCYCLE}
                : new int[]{SSCRATCH, FFLAGS, FRM, FCSR, MSCRATCH /* illegal below M: a trap */};
        int[] readOnly = {INSTRET, CYCLE, TIME, MINSTRET, MSTATUS};
        if (rnd.nextInt(3) == 0) {
            int csr = readOnly[rnd.nextInt(readOnly.length)];
            if (rnd.nextInt(10) == 0) return it.i32(csrrw(w(), INSTRET, anyReg())); // write to a read-only CSR: illegal
            return it.i32(csrrs(w(), csr, 0));
        }
        int csr = readWrite[rnd.nextInt(readWrite.length)];
        int f3 = 1 + rnd.nextInt(3) + (rnd.nextBoolean() ? 4 : 0);
        int src = f3 >= 5 ? rnd.nextInt(32) : anyReg();
        return it.i32(i(csr, src, f3, w(), 0x73));
    }

    Item miscItem() {
        Item it = new Item();
        switch (rnd.nextInt(8)) {
            case 0: return it.i32(0x0ff0000f); // fence
            case 1: return it.i32(0x0000100f); // fence.i
            case 2: return it.i32(0xffffffff); // illegal: a trap
            case 3: return it.i32(0x00000000); // illegal (all zero): a trap
            case 4: return it.i32(machineMode() ? ECALL : EBREAK); // trap, skipped by the handler
            case 5:
                if (asidItems && rnd.nextBoolean()) { // an ASID's fence (0-3), of all pages or of the data page's
                    asidItemsMade++;
                    return it.i32(addi(T2, 0, rnd.nextInt(4))).i32(r(0x09, T2, rnd.nextBoolean() ? 0 : DBASE, 0, 0, 0x73));
                }
                return it.i32(SFENCE_VMA); // ends a unit (illegal in U-mode: a trap)
            default: return it.i32(i(0, 0, 0, 0, 0x13)); // nop
        }
    }

    /** {@code cbo.zero (rs1)}. */
    static int cboZero(int rs1) {
        return 0x0040200f | rs1 << 15;
    }

    /**
     * Zicboz ({@link #cbozBlock}): cbo.zero of a block around the data page's end, through DBASE, or through BAD (a
     * fault); now and then envcfg's CBZE bit set or cleared (illegal below the CSR's mode: a trap; cleared, a lower
     * mode's cbo.zero is illegal).
     */
    Item cbozItem() {
        Item it = new Item();
        cbozItemsMade++;
        int k = rnd.nextInt(12);
        if (k == 0) return it.i32(cboZero(BAD));
        if (k == 1) return it.i32(cboZero(DBASE));
        if (k == 2) {
            int csr = rnd.nextBoolean() ? MENVCFG : SENVCFG;
            return it.i32(addi(T2, 0, 0x80)).i32(i(csr, T2, rnd.nextInt(4) == 0 ? 3 : 2, 0, 0x73)); // csrrc / csrrs
        }
        address(it, new int[]{0x3f, 0x7f, 0x7ff, 0xfff}[rnd.nextInt(4)]);
        return it.i32(cboZero(T));
    }

    /**
     * Encodings at the edges of the decoders: random bits under the ALU major opcodes (legal or not), reserved
     * funct3 of loads, stores, branches and fences, fence with random fields, jalr with funct3 != 0. The translator
     * and the interpreter must agree on which are legal and what the others do.
     */
    Item edgeItem() {
        Item it = new Item();
        int bits = rnd.nextInt() & ~0x7f & ~(31 << 7);
        int rd = w();
        switch (rnd.nextInt(7)) {
            case 0: return it.i32(bits | rd << 7 | new int[]{0x13, 0x1b, 0x33, 0x3b}[rnd.nextInt(4)]);
            case 1: return it.i32(i(rnd.nextInt(64), DBASE, 7, rd, 0x03)); // load, funct3 7
            case 2: return it.i32(s(rnd.nextInt(64), anyReg(), DBASE, 4 + rnd.nextInt(4), 0x23)); // store, funct3 4..7
            case 3: return it.i32(b(8, anyReg(), anyReg(), 2 + rnd.nextInt(2))).i32(addi(W[1], W[1], 1)); // branch, funct3 2..3
            case 4: return it.i32((rnd.nextInt() & ~0x7f & ~(7 << 12)) | rnd.nextInt(8) << 12 | 0x0f); // fence family, any fields
            case 5: return it.i32(u(0, T, 0x17)).i32(i(12, T, 1 + rnd.nextInt(7), rd, 0x67)).i32(addi(W[2], W[2], 1)); // jalr funct3 != 0
            default: return it.i32(i(rnd.nextInt(4096), anyReg(), 1, rd, 0x13) & ~(0x3f << 26) | rnd.nextInt(64) << 26); // slli, any funct6
        }
    }

    /**
     * Overlapping instruction streams: a branch into the middle of "lui rd, imm" whose upper half is a harmless
     * compressed instruction, so the same bytes decode as a 4-byte instruction on one path and a 2-byte one on the
     * other (both in one translated region).
     */
    Item overlapItem() {
        int c = compressedItem().parts.get(0).intValue() & 0xffff;
        int lui = c << 16 | rnd.nextInt(16) << 12 | w() << 7 | 0x37;
        int[] f3 = {0, 1, 4, 5, 6, 7};
        return new Item().i32(b(6, anyReg(), anyReg(), f3[rnd.nextInt(f3.length)])).i32(lui);
    }

    /** Status FS off or on (dirty): floating-point instructions trap (and are skipped) while it is off. */
    Item fsItem() {
        int csr = machineMode() ? MSTATUS : SSTATUS;
        return new Item().i32(lui(T, 0x6000)).i32(i(csr, T, rnd.nextInt(3) == 0 ? 3 : 2, 0, 0x73)); // csrrc / csrrs
    }

    Item branchItem() {
        Item it = new Item();
        int[] f3 = {0, 1, 4, 5, 6, 7};
        it.branchSkip = 1 + rnd.nextInt(4);
        it.branchBits = b(0, anyReg(), anyReg(), f3[rnd.nextInt(f3.length)]);
        if (rnd.nextInt(3) == 0) { // compressed: c.beqz, c.bnez, c.j
            int k = rnd.nextInt(3);
            it.compressed = k == 0 ? 0 : 5 + k;
            it.cReg = rnd.nextInt(8);
        }
        if (rnd.nextInt(8) == 0) { // compressed indirect jump over a c.nop: auipc T, 0; addi T, T, 12; c.jr/c.jalr T; c.nop
            Item ij = new Item().i32(u(0, T, 0x17)).i32(addi(T, T, 12));
            ij.i16((rnd.nextBoolean() ? 0x8002 : 0x9002) | T << 7).i16(0x0001);
            return ij;
        }
        return it;
    }

    List<Item> body(int n) {
        List<Item> items = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            if (bitmanipItems && rnd.nextInt(3) == 0) {
                items.add(bitmanipItem());
                continue;
            }
            if (wordChains && rnd.nextInt(3) == 0) {
                items.add(wordItem());
                continue;
            }
            if (cbozBlock > 0 && rnd.nextInt(10) == 0) { // (draws nothing when off: the other tests' programs stay as they were)
                items.add(cbozItem());
                continue;
            }
            int p = rnd.nextInt(100);
            if (p < 35) items.add(aluItem());
            else if (p < 45) items.add(compressedItem());
            else if (p < 65) items.add(memItem());
            else if (p < 70) items.add(amoItem());
            else if (p < 80) items.add(fpItem());
            else if (p < 85) items.add(csrItem());
            else if (p < 87) items.add(miscItem());
            else if (p < 88) items.add(rnd.nextInt(3) == 0 ? edgeItem() : rnd.nextBoolean() ? overlapItem() : fsItem());
            else if (p < 96) items.add(branchItem());
            else if (p < 98) { // call to a function on another page, which returns through jalr
                Item it = new Item();
                it.branchSkip = -2; // marker: jal x1, FUNC, resolved at emission
                items.add(it);
            } else if (p < 99 && (mode == Hart.PRIV_S || mode == Hart.PRIV_U)) {
                // call the function through the alias mapping: the same physical code at another virtual address
                long alias = FUNC - BASE + ALIAS;
                items.add(new Item().i32(lui(T, (int) alias)).i32(i(0, T, 0, 1, 0x67)));
            } else { // indirect jump over one instruction
                items.add(new Item().i32(u(0, T, 0x17)).i32(i(12, T, 0, w(), 0x67)).i32(addi(W[0], W[0], 1)));
            }
        }
        return items;
    }

    /** Whether the item has an sfence.vma or a write to satp (both flush the hart's TLBs). */
    static boolean flushesTlb(Item it) {
        for (long p : it.parts) {
            int bits = (int) p;
            if ((p >>> 32) != 4) continue;
            if (bits == SFENCE_VMA) return true;
            if ((bits & 0x7f) == 0x73 && ((bits >>> 12) & 3) != 0 && (bits >>> 20) == SATP) return true;
        }
        return false;
    }

    /** Where the self-patching item's target instruction is: filled at emission. */
    long patchTarget = -1;

    /**
     * Cross-page programs (round 70; -1: off, the programs of every other seed as they were). The loop's body is placed
     * over the end of its first page (the boundary at a random item in its middle, or a quarter of the time 2 bytes after
     * its start: inside it if it begins with a 4-byte instruction, which no unit translates, Translator.decodeAt), and a
     * second self-patched "addi x25, x25, K" is put at or just after the boundary, stored by two halfword stores (so
     * that one straddling the boundary is written in both pages). No item before the boundary flushes the TLB, and the
     * mode's first instruction is (kinds 0, 1) a jump from the second page's last word, so the second page is in the fetch TLB when
     * the first page's units are built: units over two pages are built (CodeCache#nextPageIndex) and promoted.
     * {@code crossPage} says what the page after the boundary is: 0 the next page (bare: the next physical page; Sv39:
     * gigapages, identity); 1 (S and U with Sv39; others as 0) the virtual page mapped to another physical page
     * ({@link #XPAGE}) through 4 KiB page tables, its identity page a decoy of "addi x25, x25, 7"s (the trap handler reads
     * the trapped instruction through mstatus.MPRV); 2 (S and U; others as 0) not mapped: fetching it faults, the
     * handler goes back to the loop's start, the stores into it fault.
     */
    int crossPage = -1;
    /** The second page of {@link #crossPage} 1. */
    static final long XPAGE = BASE + 0x14000;
    /** The first page's end where {@link #crossPage} puts the body. */
    static final long BOUNDARY = LOOP + 0x1000;
    /** Where the second self-patched instruction is ({@link #crossPage}): filled at emission. */
    long patchTarget2 = -1;

    boolean paged() { return mode == Hart.PRIV_S || mode == Hart.PRIV_U; }
    /** {@link #crossPage} as this program's mode has it (1 and 2 need Sv39 fetches). */
    int crossKind() { return crossPage > 0 && !paged() ? 0 : crossPage; }

    /**
     * The whole image: init code at BASE (drops to {@link #mode} with Sv39 if not M), handler, loop at LOOP plus a
     * random offset (so that bodies cross pages at varied places), function at FUNC, page tables at ROOT.
     */
    byte[] build(int bodyItems) {
        byte[] image = new byte[(int) (DATA - BASE)];
        List<Item> items = body(bodyItems);
        // A self-patch: rarely (when the counter's low 11 bits are 0) rewrite the immediate of "addi x25, x25, K"
        // right after the fence.i that follows the store, in the unit that runs the store once the loop is hot.
        long loopStart = LOOP + 2L * rnd.nextInt(0x800);
        int addiBits = addi(ACC, ACC, 0);
        Item second = null;
        if (crossPage >= 0) {
            // The boundary at item kb's start (or 2 bytes into it), the second patched instruction at kb, kb + 1 or kb + 2.
            int kb = items.size() / 4 + rnd.nextInt(items.size() / 2);
            // No TLB flush (sfence.vma, a satp write) between the loop's start and the boundary: the second page, fetched
            // in the last iteration, is still in the fetch TLB when the first page's units are built (after it, a flush
            // is followed by fetches from the second page again).
            for (int k = 0; k < kb; k++) if (flushesTlb(items.get(k))) items.set(k, aluItem());
            second = new Item().i32(addiBits);
            items.add(kb + rnd.nextInt(3), second);
            int pre = 4 + 44 + 16 + 4; // addi CNT; the patch block with the second target's four instructions; the first target
            int off = 0;
            for (int k = 0; k < kb; k++) off += items.get(k).size();
            loopStart = BOUNDARY - pre - off - (rnd.nextInt(4) == 0 ? 2 : 0);
        }
        Code c = new Code(loopStart, 0x6000);
        c.e32(i(-1, CNT, 0, CNT, 0x13)); // addi CNT, CNT, -1
        // patch block: andi T, CNT, 0x7ff; bne T, x0, +skip; <compute word>; <store>; fence.i
        int patchPos = c.pos;
        c.e32(i(0x7ff, CNT, 7, T, 0x13));
        int bnePos = c.pos;
        c.e32(0); // filled below
        c.e32(i(11, CNT, 5, T, 0x13));                // srli T, CNT, 11 (the low 11 bits are 0 here)
        c.e32(i(0x7ff, T, 7, T, 0x13));              // andi T, T, 0x7ff
        c.e32(i(20, T, 1, T, 0x13));                   // slli T, T, 20
        c.e32(lui(T2, (addiBits + 0x800) & 0xfffff000));
        c.e32(i(addiBits - ((addiBits + 0x800) & 0xfffff000), T2, 0, T2, 0x1b)); // addiw
        c.e32(r(0, T2, T, 6, T, 0x33));               // or T, T, T2
        int auipcPos = c.pos;
        c.e32(0); c.e32(0);                            // auipc T2, hi; sw T, lo(T2): filled below
        int auipc2Pos = c.pos;
        if (crossPage >= 0) {
            c.e32(0); c.e32(0);                        // auipc T2, hi; sh T, lo(T2): filled below
            c.e32(i(16, T, 5, T, 0x13));               // srli T, T, 16
            c.e32(0);                                  // sh T, lo + 2(T2): filled below
        }
        c.e32(0x0000100f);                             // fence.i
        int afterPatch = c.pos;
        c.pos = bnePos;
        c.e32(b(afterPatch - bnePos, 0, T, 1));
        c.pos = afterPatch;
        long target = c.pc();
        c.e32(addiBits);
        if (crossPage >= 0) assertEquals(4 + 44 + 16, (int) (target - loopStart), "the preamble's size as placed");
        for (int k = 0; k < items.size(); k++) {
            Item it = items.get(k);
            if (it == second) patchTarget2 = c.pc();
            if (it.branchSkip == -2) {
                long off = FUNC - c.pc();
                c.e32(j((int) off, 1));
                continue;
            }
            if (it.branchSkip >= 0) {
                int off = it.compressed >= 0 ? 2 : 4;
                for (int m = k + 1; m <= k + it.branchSkip && m < items.size(); m++) off += items.get(m).size();
                if (it.compressed >= 0) c.e16(compressedJump(it.compressed, it.cReg, off > 254 ? 2 : off)); // out of reach: to the next
                else c.e32(it.branchBits | b(off, 0, 0, 0));
            }
            for (long p : it.parts) {
                if ((p >>> 32) == 4) c.e32((int) p); else c.e16((int) p);
            }
        }
        int endPos = c.pos;
        // patch the auipc/sw pair: target relative to the auipc
        long rel = target - (loopStart + auipcPos);
        int hi = (int) ((rel + 0x800) & 0xfffff000L), lo = (int) rel - hi;
        c.pos = auipcPos;
        c.e32(u(hi, T2, 0x17));
        c.e32(s(lo, T, T2, 2, 0x23));
        if (crossPage >= 0) {
            long rel2 = patchTarget2 - (loopStart + auipc2Pos);
            int hi2 = (int) ((rel2 + 0x800) & 0xfffff000L), lo2 = (int) rel2 - hi2;
            c.pos = auipc2Pos;
            c.e32(u(hi2, T2, 0x17));
            c.e32(s(lo2, T, T2, 1, 0x23));             // sh T, lo2(T2)
            c.pos += 4;
            c.e32(s(lo2 + 2, T, T2, 1, 0x23));         // sh T, lo2 + 2(T2)
        }
        c.pos = endPos;
        // loop: if CNT != 0 goto loopStart (jal, the body may be longer than a branch reaches)
        c.e32(b(8, 0, CNT, 0));
        c.e32(j((int) (loopStart - c.pc()), 0));
        c.e32(j(0, 0)); // done: spin
        patchTarget = target;
        System.arraycopy(c.b, 0, image, (int) (loopStart - BASE), c.pos);
        if (crossPage >= 0 && crossKind() != 2) {
            // The mode's first instruction is a jump to the loop from the second page's last word: the second page is in
            // the fetch TLB when the first page's units are first built (the first visit to a page that holds no code
            // yet builds at once).
            int stub = j((int) (loopStart - (BOUNDARY + 0xffc)), 0);
            long at = (crossKind() == 1 ? XPAGE : BOUNDARY) + 0xffc;
            for (int q = 0; q < 4; q++) image[(int) (at - BASE) + q] = (byte) (stub >>> (8 * q));
        }
        if (crossKind() == 1) {
            // The page after the boundary is XPAGE's; the identity page holds a decoy that a wrong mapping would run.
            int first = (int) (BOUNDARY - loopStart), n = Math.min(c.pos - first, 4096);
            System.arraycopy(c.b, first, image, (int) (XPAGE - BASE), n);
            for (int k = 0; k < 4092; k += 4) {
                int v = addi(ACC, ACC, 7);
                for (int q = 0; q < 4; q++) image[(int) (BOUNDARY - BASE) + k + q] = (byte) (v >>> (8 * q));
            }
        }

        // function
        Code f = new Code(FUNC, 64);
        f.e32(addi(5, 5, 1)).e32(r(0, 5, 6, 4, 6, 0x33));
        f.e32(u(0, 7, 0x17)).e32(r(0, 7, 6, 4, 6, 0x33)); // auipc x7, 0; xor x6, x6, x7: depends on the virtual address
        f.e32(i(0, 1, 0, 0, 0x67));
        System.arraycopy(f.b, 0, image, (int) (FUNC - BASE), f.pos);

        // handler: mepc += length of the instruction at mepc; mret
        Code h = new Code(HANDLER, 128);
        h.e32(csrrs(31, MEPC, 0));
        if (crossKind() == 2) { // an instruction page fault (the unmapped second page): back to the loop's start
            h.e32(csrrs(30, MCAUSE, 0));
            h.e32(addi(30, 30, -12));
            h.e32(b(20, 0, 30, 1));     // bne x30, x0, over the next four
            long back = loopStart - h.pc();
            int bhi = (int) ((back + 0x800) & 0xfffff000L), blo = (int) back - bhi;
            h.e32(u(bhi, 31, 0x17)).e32(addi(31, 31, blo)); // auipc, addi: x31 = loopStart
            h.e32(csrrw(0, MEPC, 31));
            h.e32(MRET);
        }
        boolean mprv = crossPage >= 0 && paged(); // read the instruction at mepc through the trapped mode's page tables
        if (mprv) h.e32(lui(30, (int) Csr.MPRV)).e32(csrrs(0, MSTATUS, 30));
        h.e32(i(0, 31, 5, 30, 0x03));   // lhu x30, 0(x31)
        h.e32(i(3, 30, 7, 30, 0x13));   // andi x30, x30, 3
        h.e32(addi(31, 31, 2));
        h.e32(addi(30, 30, -3));
        h.e32(b(8, 0, 30, 1));          // bne x30, x0, +8
        h.e32(addi(31, 31, 2));
        if (mprv) h.e32(lui(30, (int) Csr.MPRV)).e32(csrrc(0, MSTATUS, 30));
        h.e32(csrrw(0, MEPC, 31));
        h.e32(MRET);
        System.arraycopy(h.b, 0, image, (int) (HANDLER - BASE), h.pos);

        // init
        long dataVa = mode == Hart.PRIV_M || rnd.nextBoolean() ? DATA : DATA - BASE + ALIAS;
        int enter = mode == MPRV ? Hart.PRIV_M : mode;
        Code in = new Code(BASE, 0x1000);
        in.li(1, HANDLER).e32(csrrw(0, MTVEC, 1));
        long mstatus = 1L << FS_SHIFT; // FS = initial
        mstatus |= (long) enter << MPP_SHIFT;
        // MPRV mode: mret to M leaves MPRV set and MPP = U, so data accesses translate as U (pages have U, and SUM).
        if (mode == MPRV) mstatus |= Csr.MPRV | SUM;
        in.li(1, mstatus).e32(csrrw(0, MSTATUS, 1));
        for (int r : W) in.li(r, initialValue(rnd.nextLong()));
        for (int fr = 0; fr < 32; fr++) in.li(1, fpValue()).e32(r(0x79, 0, 1, 0, fr, 0x53)); // fmv.d.x
        in.li(2, dataVa + 0x3040).li(8, dataVa + 0x2100);
        in.li(DBASE, dataVa + 0x1000 - 64).li(BAD, UNMAPPED).li(CNT, 1L << 40);
        if (mode != Hart.PRIV_M) in.li(1, (8L << 60) | (ROOT >>> 12)).e32(csrrw(0, SATP, 1)).e32(SFENCE_VMA);
        in.li(1, crossPage >= 0 && crossKind() != 2 ? BOUNDARY + 0xffc : loopStart).e32(csrrw(0, MEPC, 1));
        in.li(1, rnd.nextLong());
        in.e32(MRET);
        System.arraycopy(in.b, 0, image, 0, in.pos);

        // Sv39: gigapages, identity at 0x8000_0000 and an alias at 0x4000_0000 (U set for U-mode runs)
        long perm = 0xCF | (mode == Hart.PRIV_U || mode == MPRV ? 0x10 : 0); // V R W X A D (+U)
        long pte = ((BASE >>> 12) << 10) | perm;
        putLong(image, (int) (ROOT - BASE) + 8 * 2, pte);
        putLong(image, (int) (ROOT - BASE) + 8 * 1, pte);
        if (crossKind() >= 1) {
            // The gigapage of RAM through 4 KiB pages in its first 2 MiB (2 MiB pages after), the boundary's next page
            // mapped to XPAGE (1) or not at all (2).
            long l1 = ROOT + 0x1000, l0 = ROOT + 0x2000;
            putLong(image, (int) (ROOT - BASE) + 8 * 2, ((l1 >>> 12) << 10) | 1);
            putLong(image, (int) (l1 - BASE), ((l0 >>> 12) << 10) | 1);
            for (int k = 1; k < 512; k++) putLong(image, (int) (l1 - BASE) + 8 * k, (((BASE + ((long) k << 21)) >>> 12) << 10) | perm);
            for (int k = 0; k < 512; k++) {
                long pa = BASE + ((long) k << 12);
                if (pa == BOUNDARY) pa = crossKind() == 1 ? XPAGE : -1;
                putLong(image, (int) (l0 - BASE) + 8 * k, pa < 0 ? 0 : ((pa >>> 12) << 10) | perm);
            }
        }
        return image;
    }

    /**
     * Operands at the edges, where the written-out operations (sltu's halves, mulhu's 32-bit products, round 25) and
     * the unsigned branches could go wrong: 0, 1, -1, the sign boundaries of 64 and 32 bits, halves all ones.
     */
    static final long[] EDGE_VALUES = {0, 1, -1, 2, -2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1, 0x7fff_ffffL,
            0x8000_0000L, 0xffff_ffffL, 0x1_0000_0000L, 0xffff_ffff_0000_0000L, 0xffff_ffff_8000_0000L, 2047, -2048};

    /** A register's first value: one in four an edge value (drawn from the same random number, so programs stay as they were). */
    static long initialValue(long random) {
        return (random & 3) == 0 ? EDGE_VALUES[(int) ((random >>> 2) % EDGE_VALUES.length)] : random;
    }

    long fpValue() {
        switch (rnd.nextInt(6)) {
            case 0: return Double.doubleToRawLongBits(rnd.nextGaussian() * 1e6);
            case 1: return 0xffffffff00000000L | Float.floatToRawIntBits((float) (rnd.nextGaussian() * 100)); // boxed single
            case 2: return 0xffffffff00000000L | Float.floatToRawIntBits(rnd.nextFloat());
            case 3: return new long[]{0x7ff8000000000000L, 0x7ff0000000000001L, 0x8000000000000000L, 0x7ff0000000000000L, 1L}[rnd.nextInt(5)];
            default: return rnd.nextLong();
        }
    }

    /** c.j (kind 0), c.beqz (6) or c.bnez (7) on x(8 + reg) with offset {@code off}; checked against the expander. */
    static int compressedJump(int kind, int reg, int off) {
        assertTrue(off > 0 && off <= 254, "forward offset in reach of c.beqz: " + off);
        int bits;
        int want;
        if (kind == 0) {
            bits = 5 << 13 | ((off >> 11) & 1) << 12 | ((off >> 4) & 1) << 11 | ((off >> 8) & 3) << 9 | ((off >> 10) & 1) << 8
                    | ((off >> 6) & 1) << 7 | ((off >> 7) & 1) << 6 | ((off >> 1) & 7) << 3 | ((off >> 5) & 1) << 2 | 1;
            want = j(off, 0);
        } else {
            bits = kind << 13 | ((off >> 8) & 1) << 12 | ((off >> 3) & 3) << 10 | reg << 7 | ((off >> 6) & 3) << 5
                    | ((off >> 1) & 3) << 3 | ((off >> 5) & 1) << 2 | 1;
            want = b(off, 0, 8 + reg, kind == 6 ? 0 : 1);
        }
        assertEquals(want, Compressed.expandCached(bits), "test encoder of compressed jump " + kind + " offset " + off);
        return bits;
    }

    static void putLong(byte[] b, int off, long v) {
        for (int k = 0; k < 8; k++) b[off + k] = (byte) (v >>> (8 * k));
    }

    // ------------------------------------------------------------------ running and comparing

    static Hart newHart(byte[] image, boolean translate) {
        return newHart(image, translate, Long.MAX_VALUE);
    }

    /**
     * {@code promoteAfter}: the hot tier's threshold (instructions a unit retires before it is built again as a hot
     * unit, installed here at once, compiled or not, so that both tiers are compared with the interpreter).
     */
    static Hart newHart(byte[] image, boolean translate, long promoteAfter) {
        GuestMemory mem = new GuestMemory(BASE, RAM);
        Hart[] self = new Hart[1];
        Hart h = new Hart(0, new Bus(mem), () -> self[0].instret);
        self[0] = h;
        mem.writeBytes(BASE, image, 0, image.length);
        // data: a deterministic pattern
        byte[] data = new byte[0x8000];
        new Random(42).nextBytes(data);
        mem.writeBytes(DATA, data, 0, data.length);
        h.setTranslation(translate);
        h.setTranslationThreshold(2);
        if (translate) {
            h.setPromotionThreshold(promoteAfter);
            h.codeCache.promoteUncompiled = true;
            // Every unit runs as soon as it is built (HotSpot interprets it until it has compiled it, with the same
            // effects), so which units run, their chains and promotions, and so every seed's comparison and counts,
            // depend on the program alone, not on HotSpot's compile queue (round 78: the "no unit was promoted" and
            // "units over two pages" counts below were at its mercy on a loaded machine). The timed probe
            // (CodeCache#ready) is compared by the Linux oracles (TranslatorLinuxOracleTest), which keep it.
            h.codeCache.runUncompiled = true;
            // A unit's hot build is installed at its next look after it was queued: look again as soon, so that
            // units of every mode reach the hot tier (with the default 200,000 only one or two per seed did, and a
            // run under load could end with none in a mode; its unitsTranslated varies by a few between runs).
            h.codeCache.hotRecheck = promoteAfter;
            h.codeCache.hotMinRun = 0; // and whatever its runs' length (HotTierMinRunTest tests that rule)
            if (jalrSecondWay) h.codeCache.jalrSecondWay = true; // (jalrSecondWayInEveryMode; else the property's default)
        }
        if (asidBits >= 0) h.mmu.setAsidBits(asidBits); // (asidSwitchesAndFencesInEveryMode)
        if (cbozBlock > 0) { // (cboZeroInEveryMode): Zicboz, allowed in every mode at the start
            h.cbozBlock = cbozBlock;
            h.menvcfg = h.senvcfg = ENVCFG_CBZE;
        }
        h.pc = BASE;
        return h;
    }

    /** Runs to exactly {@code target} retired instructions, in random budgets (as machine batches or a split would). */
    static void runTo(Hart h, long target, Random budgets) {
        while (h.instret < target) {
            long left = target - h.instret;
            int budget = (int) Math.min(left, budgets.nextInt(4) == 0 ? 1 + budgets.nextInt(50) : 1 + budgets.nextInt(8192));
            h.run(budget);
        }
        assertEquals(target, h.instret, "overshot the target instruction count");
    }

    static byte[] state(Hart h) {
        StateWriter w = new StateWriter();
        h.saveState(w);
        return w.toByteArray();
    }

    static String diff(Hart a, Hart b) {
        StringBuilder sb = new StringBuilder();
        if (a.pc != b.pc) sb.append(String.format("pc interp %x jit %x; ", a.pc, b.pc));
        for (int r = 0; r < 32; r++) if (a.x[r] != b.x[r]) sb.append(String.format("x%d interp %x jit %x; ", r, a.x[r], b.x[r]));
        for (int r = 0; r < 32; r++) if (a.f[r] != b.f[r]) sb.append(String.format("f%d interp %x jit %x; ", r, a.f[r], b.f[r]));
        if (a.mcause != b.mcause) sb.append(String.format("mcause interp %d jit %d; ", a.mcause, b.mcause));
        if (a.mtval != b.mtval) sb.append(String.format("mtval interp %x jit %x; ", a.mtval, b.mtval));
        if (a.mepc != b.mepc) sb.append(String.format("mepc interp %x jit %x; ", a.mepc, b.mepc));
        byte[] sa = state(a), sb2 = state(b);
        int m = Arrays.mismatch(sa, sb2);
        if (m >= 0) sb.append("state record differs first at byte ").append(m).append(" (x 0..255, f 256..511, pc 512, priv 520, instret 521, then CSRs)");
        return sb.toString();
    }

    static long firstRamDifference(Hart a, Hart b) {
        byte[] pa = new byte[4096], pb = new byte[4096];
        for (long addr = BASE; addr < BASE + RAM; addr += 4096) {
            a.bus().ram().readBytes(addr, pa, 0, 4096);
            b.bus().ram().readBytes(addr, pb, 0, 4096);
            int m = Arrays.mismatch(pa, pb);
            if (m >= 0) return addr + m;
        }
        return -1;
    }

    /** Runs one program under both engines and compares at several counts; returns the translator's counters. */
    static CodeCache.Stats differential(long seed, int mode, int bodyItems, long total) {
        return differential(seed, mode, bodyItems, total, Long.MAX_VALUE);
    }

    static CodeCache.Stats differential(long seed, int mode, int bodyItems, long total, long promoteAfter) {
        return differential(seed, mode, bodyItems, total, promoteAfter, false);
    }

    static CodeCache.Stats differential(long seed, int mode, int bodyItems, long total, long promoteAfter, boolean wordChains) {
        TranslatorDifferentialTest g = generator(seed, mode);
        g.wordChains = wordChains;
        g.crossPage = crossPageKind;
        byte[] image = g.build(bodyItems);
        Hart interp = newHart(image, false);
        Hart jit = newHart(image, true, promoteAfter);
        if (wordChains) jit.codeCache.wordLogic = true; // (whatever -Dvmckpt.jit.wordLogic says: Translator.WORD_LOGIC)
        Random ba = new Random(seed * 31 + 1), bb = new Random(seed * 31 + 2), cut = new Random(seed * 31 + 3);
        String what = String.format("seed %d, mode %s, %d body items, loop at %x", seed,
                mode == 3 ? "M bare" : mode == 1 ? "S Sv39" : mode == 0 ? "U Sv39" : "M with MPRV, Sv39",
                bodyItems, g.patchTarget) + (g.crossPage >= 0 ? String.format(", over a page end (kind %d), second patch at %x", g.crossKind(), g.patchTarget2) : "");
        long[] checkpoints = new long[6];
        for (int k = 0; k < checkpoints.length; k++) checkpoints[k] = total * (k + 1) / checkpoints.length - (k < checkpoints.length - 1 ? cut.nextInt(1000) : 0);
        for (long at : checkpoints) {
            runTo(interp, at, ba);
            runTo(jit, at, bb);
            String d = diff(interp, jit);
            assertTrue(d.isEmpty(), what + ": state differs at instret " + at + ": " + d);
            long ramDiff = firstRamDifference(interp, jit);
            assertEquals(-1, ramDiff, what + ": RAM differs at instret " + at + String.format(" first at %x", ramDiff));
        }
        assertNotEquals(BASE + 0x1000, interp.pc); // sanity: not stuck anywhere trivial
        assertTrue(interp.x[CNT] < (1L << 40) - 1000, what + ": the loop did not run (stuck in init or trapping?) pc " + Long.toHexString(interp.pc));
        return jit.translationStats();
    }

    /**
     * Extra seeds per mode for a long soak, e.g. {@code -Dvmckpt.diff.extraSeeds=500}: seeds 1000 * mode + 100 + k.
     * Prints a line per seed.
     */
    static final int EXTRA_SEEDS = Integer.getInteger("vmckpt.diff.extraSeeds", 0);

    /**
     * The generator's {@link #crossPage} for the programs {@link #differential} builds (-1: off, as for every test that
     * does not set it; the tests that set it put it back).
     */
    static int crossPageKind = -1;

    /**
     * Threads that run seeds side by side ({@code -Dvmckpt.diff.threads}; 1 by default: one after another, as before
     * round 78, since two were no faster in round 78's A/B pairs under load: docs/BENCHMARKS.md): a call's seeds, and the calls a method hands to {@link #together}. Each seed has its own program, two
     * harts and code cache; the switches (this class's statics and the translator's) are set before the seeds that use
     * them start and not changed while they run (a method hands {@link #together} only calls made under the same
     * switches); the translator's counters are atomic, and this class's counts of items made only need to be above 0.
     * With {@link CodeCache#runUncompiled} each seed's run and counts are the same whatever runs beside it, so the seeds
     * compare exactly what they compared one after another, in less time on two cores.
     */
    static final int THREADS = Math.max(1, Integer.getInteger("vmckpt.diff.threads", 1));
    private static final java.util.concurrent.ForkJoinPool POOL = THREADS > 1 ? new java.util.concurrent.ForkJoinPool(THREADS) : null;

    /**
     * Runs {@code tasks} side by side on {@link #THREADS} threads (nested calls share them), or in order with one; then
     * fails with the first failed task's own error (in the tasks' order); the others still run to their end.
     */
    static void together(Runnable... tasks) {
        Throwable[] failed = new Throwable[tasks.length];
        if (POOL == null || tasks.length == 1) {
            for (Runnable t : tasks) t.run();
            return;
        }
        java.util.concurrent.ForkJoinTask<?>[] jobs = new java.util.concurrent.ForkJoinTask<?>[tasks.length];
        for (int k = 0; k < tasks.length; k++) {
            int i = k;
            jobs[k] = java.util.concurrent.ForkJoinTask.adapt(() -> {
                try {
                    tasks[i].run();
                } catch (Throwable t) {
                    failed[i] = t;
                }
            });
        }
        if (java.util.concurrent.ForkJoinTask.inForkJoinPool()) java.util.concurrent.ForkJoinTask.invokeAll(jobs);
        else POOL.invoke(java.util.concurrent.ForkJoinTask.adapt(() -> java.util.concurrent.ForkJoinTask.invokeAll(jobs)));
        for (Throwable t : failed) {
            if (t instanceof Error) throw (Error) t;
            if (t instanceof RuntimeException) throw (RuntimeException) t;
            if (t != null) throw new AssertionError(t);
        }
    }

    /** {@code run} of every seed ({@link #together}); the results in the seeds' order. */
    static CodeCache.Stats[] differentials(long[] seeds, java.util.function.LongFunction<CodeCache.Stats> run) {
        CodeCache.Stats[] out = new CodeCache.Stats[seeds.length];
        Runnable[] tasks = new Runnable[seeds.length];
        for (int k = 0; k < seeds.length; k++) {
            int i = k;
            tasks[k] = () -> out[i] = run.apply(seeds[i]);
        }
        together(tasks);
        return out;
    }

    /** Runs the seeds; returns the translator's units over two pages in them (CodeCache.Stats#crossPageUnits). */
    static long runSeeds(int mode, long... fixedSeeds) {
        return runSeedsPromoting(mode, Long.MAX_VALUE, fixedSeeds);
    }

    /** As runSeeds, with the hot tier's threshold {@code promoteAfter} (see {@link #newHart}). */
    static long runSeedsPromoting(int mode, long promoteAfter, long... fixedSeeds) {
        return runSeeds(mode, promoteAfter, false, fixedSeeds);
    }

    /** As runSeedsPromoting, with {@link #wordItem}s in the programs when {@code wordChains}. */
    static long runSeeds(int mode, long promoteAfter, boolean wordChains, long... fixedSeeds) {
        long[] seeds = Arrays.copyOf(fixedSeeds, fixedSeeds.length + EXTRA_SEEDS);
        for (int k = 0; k < EXTRA_SEEDS; k++) seeds[fixedSeeds.length + k] = 1000L * mode + 100 + k;
        long translated = 0, run = 0, invalidations = 0, promotions = 0, cross = 0;
        CodeCache.Stats[] all = differentials(seeds, seed -> differential(seed, mode, 120 + (int) (seed % 5) * 40, 3_000_000, promoteAfter, wordChains));
        for (int k = 0; k < seeds.length; k++) {
            CodeCache.Stats s = all[k];
            System.out.printf("TranslatorDifferentialTest mode %d seed %d: %s%n", mode, seeds[k], s);
            translated += s.unitsTranslated();
            run += s.translatedInstructionsRun();
            invalidations += s.invalidations();
            promotions += s.promotions();
            cross += s.crossPageUnits();
        }
        if (promoteAfter != Long.MAX_VALUE) assertTrue(promotions > 0, "no unit was promoted: the hot tier was not compared");
        assertTrue(translated > 0 && run > 0, "the translator never ran code: the comparison proved nothing");
        assertTrue(invalidations > 0, "the self-patching store never invalidated a translation");
        return cross;
    }

    /** Zba, Zbb and Zbs in both tiers, both engines equal (Decode#bitmanip on: -Dvmckpt.isa.bitmanip's decoding). */
    @Test
    void bitmanipOperations() {
        bitmanipItems = true;
        Decode.bitmanip = true;
        try {
            together(
                    () -> runSeeds(Hart.PRIV_M, Long.MAX_VALUE, false, 171, 172, 173),
                    () -> runSeeds(Hart.PRIV_S, 2_000, true, 174, 175),
                    () -> runSeeds(Hart.PRIV_U, 2_000, false, 176),
                    () -> runSeeds(MPRV, 2_000, false, 177));
        } finally {
            bitmanipItems = false;
            Decode.bitmanip = org.vmckpt.machine.Isa.BITMANIP;
        }
    }

    @Test
    void machineModeBareAddressing() {
        runSeeds(Hart.PRIV_M, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
    }

    @Test
    void supervisorModeWithSv39() {
        runSeeds(Hart.PRIV_S, 11, 12, 13, 14, 15, 16);
    }

    @Test
    void machineModeWithMprvDataTranslation() {
        runSeeds(MPRV, 51, 52, 53, 54, 55, 56);
    }

    @Test
    void userModeWithSv39() {
        runSeeds(Hart.PRIV_U, 21, 22, 23, 24, 25, 26);
    }

    /**
     * Word operations feeding and, or, xor ({@link #wordItem}) with the translator's int form of them on
     * (CodeCache#wordLogic), in both tiers, bare and under Sv39.
     */
    @Test
    void wordLogicInBothTiers() {
        together(
                () -> runSeeds(Hart.PRIV_M, Long.MAX_VALUE, true, 61, 62, 63),
                () -> runSeeds(Hart.PRIV_S, Long.MAX_VALUE, true, 64, 65),
                () -> runSeeds(Hart.PRIV_M, 2_000, true, 66, 67),
                () -> runSeeds(Hart.PRIV_U, 2_000, true, 68));
    }

    /** The programs get ASID switches and ASID fences (asidSwitchesAndFencesInEveryMode). */
    static boolean asidItems;
    /** Every hart's ASID bits ({@link Mmu#setAsidBits}), or -1 for the property's default. */
    static int asidBits = -1;
    /** ASID switches and fences put into programs. */
    static int asidItemsMade;

    /**
     * Address-space identifiers ({@code -Dvmckpt.mmu.asids}, off by default, round 70) in every mode and both tiers:
     * satp writes that switch among ASIDs 0-3 of the same tables keep the TLB, and {@code sfence.vma} with rs2 drops
     * one ASID's entries (of all pages or of one), with the translator's units, chains and fetch checks against the
     * interpreter.
     */
    @Test
    void asidSwitchesAndFencesInEveryMode() {
        asidItems = true;
        asidBits = 16;
        try {
            together(
                    () -> runSeeds(Hart.PRIV_S, 91, 92, 93),
                    () -> runSeeds(Hart.PRIV_U, 94, 95),
                    () -> runSeeds(MPRV, 96),
                    () -> runSeeds(Hart.PRIV_M, 97),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 98),
                    () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 99));
            assertTrue(asidItemsMade > 0, "no ASID switch or fence in the programs: the test proved nothing");
        } finally {
            asidItems = false;
            asidBits = -1;
        }
    }

    /** Both harts' Zicboz block ({@link Hart#cbozBlock}) and cbo.zero items in the programs; 0: off. */
    static int cbozBlock;
    /** cbo.zero items put into programs. */
    static int cbozItemsMade;

    /**
     * Zicboz's cbo.zero (off by default, {@code -Dvmckpt.isa.zicboz}, round 73) in every mode and both tiers, with
     * blocks of 64 bytes and of a whole page: zeroed blocks, faults, envcfg's gating, against the interpreter.
     */
    @Test
    void cboZeroInEveryMode() {
        try {
            for (int block : new int[]{64, 4096}) {
                cbozBlock = block;
                together(
                        () -> runSeeds(Hart.PRIV_M, 131, 132),
                        () -> runSeeds(Hart.PRIV_S, 133, 134),
                        () -> runSeeds(Hart.PRIV_U, 135, 136),
                        () -> runSeeds(MPRV, 137),
                        () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 138),
                        () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 139));
            }
            assertTrue(cbozItemsMade > 0, "no cbo.zero in the programs: the test proved nothing");
        } finally {
            cbozBlock = 0;
        }
    }

    /** The translating harts' caches get {@link CodeCache#jalrSecondWay} on (jalrSecondWayInEveryMode). */
    static boolean jalrSecondWay;

    /**
     * A {@code jalr} exit's second way (CodeCache#jalrSecondWay, off by default, round 62) in every mode and both tiers:
     * the programs' indirect jumps and calls to another page return through chain slots that now hold two targets.
     */
    @Test
    void jalrSecondWayInEveryMode() {
        jalrSecondWay = true;
        try {
            together(
                    () -> runSeeds(Hart.PRIV_M, 81, 82, 83),
                    () -> runSeeds(Hart.PRIV_S, 84, 85),
                    () -> runSeeds(MPRV, 86),
                    () -> runSeeds(Hart.PRIV_U, 87, 88),
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 89),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 90));
        } finally {
            jalrSecondWay = false;
        }
    }

    /**
     * Access groups ({@link Translator#accessGroups}, off by default, round 64) in every mode and both tiers: the
     * programs' accesses through DBASE (spans that cross into the next page, faults through BAD) share checks.
     */
    @Test
    void accessGroupsInEveryMode() {
        Translator.accessGroups = true;
        Translator.accessGroupsHotOnly = false; // (in C1 units too: the seeds without the hot tier have their groups there)
        try {
            together(
                    () -> runSeeds(Hart.PRIV_M, 91, 92, 93),
                    () -> runSeeds(Hart.PRIV_S, 94, 95),
                    () -> runSeeds(MPRV, 96),
                    () -> runSeeds(Hart.PRIV_U, 97, 98),
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 99),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 100));
            // Groups in hot-tier units only (accessGroupsHotOnly): C1 units without them, promoted to hot units with them.
            Translator.accessGroupsHotOnly = true;
            together(
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 103),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 104));
        } finally {
            Translator.accessGroups = Translator.accessGroupsProperty();
            Translator.accessGroupsHotOnly = Translator.accessGroupsHotOnlyProperty();
        }
    }

    /**
     * Programs over a page end ({@link #crossPage}, round 70) in both tiers against the interpreter: bare (M, and MPRV's
     * bare fetches) and under Sv39 (S, U) with the next page identity-mapped, mapped to another physical page, and not
     * mapped, with stores into the second page. Asserts that units over two pages were built (C1) in the modes and kinds
     * where the second page is mapped (the hot-tier builds over two pages installed are printed: timing decides them); without the
     * placement (the generator before round 70) no seed builds one (round 69: crossPageUnits 0 in every seed).
     */
    @Test
    void crossPageUnitsInBothTiers() {
        try {
            for (int kind = 0; kind <= 2; kind++) {
                crossPageKind = kind;
                long hot = CodeCache.hotCrossPageInstallsAll.get(), cross = 0;
                if (kind == 0) {
                    cross += runSeedsPromoting(Hart.PRIV_M, 2_000, 731, 732);
                    cross += runSeedsPromoting(MPRV, 2_000, 733);
                }
                cross += runSeedsPromoting(Hart.PRIV_S, 2_000, 734 + 10 * kind, 735 + 10 * kind);
                cross += runSeedsPromoting(Hart.PRIV_U, 2_000, 736 + 10 * kind, 737 + 10 * kind);
                long hotCross = CodeCache.hotCrossPageInstallsAll.get() - hot;
                System.out.printf("TranslatorDifferentialTest crossPageUnitsInBothTiers kind %d: %d units over two pages, %d hot builds installed%n", kind, cross, hotCross);
                if (kind < 2) {
                    assertTrue(cross > 0, "kind " + kind + ": no unit over two pages was built: the page end was not compared");
                    // Hot-tier installs over two pages are printed, not asserted: whether one is installed within the
                    // seeds' budget depends on the hot tier's timing (CI, round 70: none for kind 1 on a loaded machine).
                } else {
                    assertEquals(0, cross, "a unit over two pages into an unmapped page");
                }
            }
        } finally {
            crossPageKind = -1;
        }
    }

    /**
     * Every mode with the hot tier remembering a passed check of a unit's second page ({@link Translator#crossOnce},
     * round 68; the check is forgotten at every call into the hart), with access groups and without.
     */
    @Test
    void crossOnceInEveryMode() {
        Translator.crossOnce = true;
        long units = Translator.crossOnceUnits.get();
        try {
            together(
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 681, 682),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 683),
                    () -> runSeedsPromoting(MPRV, 2_000, 684),
                    () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 685));
            Translator.accessGroups = false;
            runSeedsPromoting(Hart.PRIV_S, 2_000, 686);
            Translator.accessGroups = Translator.accessGroupsProperty();
            // Programs over a page end (round 70: the seeds above build no unit over two pages, so they compare nothing
            // of the switch's own code).
            assertCrossPage(() -> {
                long cross = runSeedsPromoting(Hart.PRIV_M, 2_000, 761);
                cross += runSeedsPromoting(MPRV, 2_000, 762);
                crossPageKind = 1;
                cross += runSeedsPromoting(Hart.PRIV_S, 2_000, 763);
                cross += runSeedsPromoting(Hart.PRIV_U, 2_000, 764);
                return cross;
            });
            assertTrue(Translator.crossOnceUnits.get() > units, "no hot build with crossOnce's local: the switch's code was not compared");
        } finally {
            Translator.crossOnce = Boolean.getBoolean("vmckpt.jit.crossOnce");
            Translator.accessGroups = Translator.accessGroupsProperty();
        }
    }

    /**
     * Runs {@code seeds} with {@link #crossPageKind} 0 (they may set 1 or 2) and asserts that units over two pages were
     * built (their sum, which they return) and that hot-tier builds over two pages were installed.
     */
    static void assertCrossPage(java.util.function.LongSupplier seeds) {
        long hot = CodeCache.hotCrossPageInstallsAll.get();
        crossPageKind = 0;
        try {
            long cross = seeds.getAsLong();
            long hotCross = CodeCache.hotCrossPageInstallsAll.get() - hot;
            System.out.printf("TranslatorDifferentialTest: %d units over two pages, %d hot builds installed%n", cross, hotCross);
            assertTrue(cross > 0, "no unit over two pages was built: the page end was not compared");
            assertTrue(hotCross > 0, "no hot-tier build over two pages was installed");
        } finally {
            crossPageKind = -1;
        }
    }

    /**
     * Both tiers against the interpreter with {@link Translator#c1MissLeaves} (round 67, off by default): C1 units with
     * the compact code leave before a missing access, hot-tier units as without it; bare, under Sv39 and MPRV (faults,
     * page-crossing accesses, stores into code), with and without promotion.
     */
    @Test
    void c1MissLeavesInBothTiers() {
        Translator.c1MissLeaves = true;
        try {
            together(
                    () -> runSeeds(Hart.PRIV_M, 141, 142),
                    () -> runSeeds(Hart.PRIV_S, 143, 144),
                    () -> runSeeds(MPRV, 145),
                    () -> runSeeds(Hart.PRIV_U, 146, 147),
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 148),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 149),
                    () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 150));
        } finally {
            Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
        }
    }

    /**
     * {@link Translator#c1MissLeaves} with the code cache's rebuild of C1 units that leave before a miss
     * ({@link CodeCache#c1MissRebuild}, round 68) forced at its lowest: every C1 unit that leaves is built again with the
     * slow paths' calls at its first leave and replaced, mid-run, with and without promotion, against the interpreter.
     */
    @Test
    void c1MissLeavesRebuiltInBothTiers() {
        Translator.c1MissLeaves = true;
        CodeCache.c1MissRebuild = 1;
        CodeCache.c1MissInsns = Long.MAX_VALUE;
        long before = CodeCache.c1MissRebuildsAll.get();
        try {
            together(
                    () -> runSeeds(Hart.PRIV_M, 151, 152),
                    () -> runSeeds(Hart.PRIV_S, 153, 154),
                    () -> runSeeds(MPRV, 155),
                    () -> runSeeds(Hart.PRIV_U, 156, 157),
                    () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 158),
                    () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 159),
                    () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 160));
            assertTrue(CodeCache.c1MissRebuildsAll.get() > before, "no C1 unit was rebuilt: the rebuilds were not compared");
        } finally {
            Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
            CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
            CodeCache.c1MissInsns = CodeCache.C1_MISS_INSNS;
        }
    }

    /** Both tiers against the interpreter: units promoted to the hot tier after 2,000 instructions. */
    @Test
    void hotTierInEveryMode() {
        together(
                () -> runSeedsPromoting(Hart.PRIV_M, 2_000, 1, 2, 3, 4),
                () -> runSeedsPromoting(Hart.PRIV_S, 2_000, 11, 12, 13),
                () -> runSeedsPromoting(MPRV, 2_000, 51, 52),
                () -> runSeedsPromoting(Hart.PRIV_U, 2_000, 21, 22, 23));
    }

    /**
     * The translator across a checkpoint's freeze (copy-on-write of every page written while frozen, code pages
     * included) and an in-place restore to an earlier point (every page put back with restorePage, the hart's
     * record loaded, as CheckpointEngine does): the run continued after the restore must equal the interpreter's
     * uninterrupted run. Between the snapshot and the restore the program has patched its own code, so stale
     * translations of the restored code pages would show.
     */
    @Test
    void freezeAndInPlaceRestoreUnderTheTranslator() throws Exception {
        long translatedRun = 0;
        for (long seed : new long[]{31, 32, 41}) {
            int mode = seed == 41 ? Hart.PRIV_S : Hart.PRIV_M;
            TranslatorDifferentialTest g = generator(seed, mode);
            byte[] image = g.build(160);
            Hart interp = newHart(image, false);
            Hart jit = newHart(image, true);
            GuestMemory mem = jit.bus().ram();
            Random ba = new Random(seed), bb = new Random(seed + 1);
            String what = "seed " + seed + " mode " + mode;

            long a = 1_200_001, b = 2_500_000, end = 3_300_000;
            runTo(jit, a, bb);
            byte[] saved = state(jit);
            byte[][] pages = new byte[mem.pageCount()][];
            for (int i = 0; i < pages.length; i++) {
                byte[] p = mem.peekPage(i);
                pages[i] = p == null ? null : p.clone();
            }
            // Frozen for a while (a checkpoint being written), then released.
            FrozenMemory frozen = mem.freeze();
            runTo(jit, a + 700_000, bb);
            frozen.release();
            runTo(jit, b, bb);
            long patched = jit.x[CNT];
            // In-place restore to the snapshot.
            for (int i = 0; i < pages.length; i++) mem.restorePage(i, pages[i]);
            jit.loadState(new StateReader(jit.stateName(), saved), jit.stateVersion());
            assertEquals(a, jit.instret);
            assertNotEquals(patched, jit.x[CNT]);
            for (long at : new long[]{b, end}) {
                runTo(interp, at, ba);
                runTo(jit, at, bb);
                String d = diff(interp, jit);
                assertTrue(d.isEmpty(), what + ": after freeze and restore, state differs at instret " + at + ": " + d);
                long ramDiff = firstRamDifference(interp, jit);
                assertEquals(-1, ramDiff, what + ": after freeze and restore, RAM differs at instret " + at + String.format(" first at %x", ramDiff));
            }
            CodeCache.Stats st = jit.translationStats();
            System.out.println("TranslatorDifferentialTest restore " + what + ": " + st);
            translatedRun += st.translatedInstructionsRun();
        }
        assertTrue(translatedRun > 0, "the translator never ran code");
    }
}
