package org.vmckpt.machine.cpu;

/**
 * The RVC ("C") extension, decoded once per encoding: every 16-bit instruction is expanded into the 32-bit
 * instruction it stands for, so the executor has a single decode path. The 256 KiB table is filled on
 * demand (filling all 65536 entries up front cost ~25 ms of a cold start, a restore's whole budget).
 * Illegal or reserved encodings expand to 0, which is itself an illegal 32-bit instruction.
 */
public final class Compressed {
    /** Indexed by {@link #slot}. */
    private static final int[] TABLE = new int[65536];
    /**
     * {@code -Dvmckpt.interp.compressedByQuadrant=true} (off by default: not shown to help, docs/BENCHMARKS.md round
     * 39): the table indexed with the encoding's quadrant (bits 1-0) on top, so that a 64-byte line holds 16 encodings
     * of one quadrant instead of 4 (each form's encodings, which differ in registers and offsets, then take a quarter
     * of the lines; cold code touches thousands of them and this table's load is the interpreter's busiest cache miss,
     * rounds 33, 37 and 39). Off: the encoding itself is the index.
     */
    static final boolean BY_QUADRANT = "true".equals(System.getProperty("vmckpt.interp.compressedByQuadrant"));
    /** Table value of an encoding known to be illegal (0 means "not expanded yet"; no expansion ends in 01). */
    private static final int ILLEGAL = 1;

    private Compressed() { }

    /** The 32-bit equivalent of compressed instruction {@code c} (low 16 bits), or 0 if illegal. */
    public static int expandCached(int c) {
        int e = TABLE[slot(c)];
        if (e == 0) e = fill(c & 0xffff);
        return e == ILLEGAL ? 0 : e;
    }

    /**
     * The expansion of {@code c} if an earlier {@link #expandCached} already made it and it is legal, else 0: for
     * {@link InterpreterFastLoop}, whose loop makes no call (the fill is left to the interpreter's general path).
     */
    static int expandedOrZero(int c) {
        int e = TABLE[slot(c)];
        return e == ILLEGAL ? 0 : e;
    }

    /** Whether {@code c} was expanded (legal or not) by an earlier {@link #expandCached} (InterpreterStops' question). */
    static boolean expanded(int c) {
        return TABLE[slot(c)] != 0;
    }

    /**
     * Forgets the expansion of {@code c} (tests: an encoding as if no one had expanded it yet). The table is a cache: the
     * next {@link #expandCached} makes the same value again.
     */
    static void forget(int c) {
        TABLE[slot(c)] = 0;
    }

    private static int fill(int c) {
        int e = (c & 3) == 3 ? 0 : expand(c);
        if (e == 0) e = ILLEGAL;
        TABLE[slot(c)] = e; // benign race: every thread computes the same value
        return e;
    }

    /** Where encoding {@code c} (its low 16 bits) is in {@link #TABLE}: bits 15-2, then the quadrant above them. */
    private static int slot(int c) {
        return BY_QUADRANT ? (c & 0xffff) >>> 2 | (c & 3) << 14 : c & 0xffff;
    }

    private static int bits(int v, int hi, int lo) {
        return (v >>> lo) & ((1 << (hi - lo + 1)) - 1);
    }

    private static int rTypeOp(int funct7, int rs2, int rs1, int funct3, int rd, int opcode) {
        return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    private static int iType(int imm, int rs1, int funct3, int rd, int opcode) {
        return (imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    private static int sType(int imm, int rs2, int rs1, int funct3, int opcode) {
        return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1f) << 7 | opcode;
    }

    private static int bType(int imm, int rs2, int rs1, int funct3) {
        return ((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12
                | ((imm >> 1) & 0xf) << 8 | ((imm >> 11) & 1) << 7 | 0x63;
    }

    private static int jType(int imm, int rd) {
        return ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20
                | ((imm >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
    }

    private static int signExtend(int v, int bitsWide) {
        int s = 32 - bitsWide;
        return (v << s) >> s;
    }

    static int expand(int c) {
        int op = c & 3;
        int funct3 = bits(c, 15, 13);
        int rdp = 8 + bits(c, 4, 2);     // rd' / rs2'
        int rs1p = 8 + bits(c, 9, 7);    // rs1' / rd'
        int rd = bits(c, 11, 7);
        int rs2 = bits(c, 6, 2);
        switch (op) {
            case 0:
                switch (funct3) {
                    case 0: { // c.addi4spn
                        int imm = bits(c, 10, 7) << 6 | bits(c, 12, 11) << 4 | bits(c, 5, 5) << 3 | bits(c, 6, 6) << 2;
                        if (imm == 0) return 0;
                        return iType(imm, 2, 0, rdp, 0x13);
                    }
                    case 1: { // c.fld
                        int imm = bits(c, 6, 5) << 6 | bits(c, 12, 10) << 3;
                        return iType(imm, rs1p, 3, rdp, 0x07);
                    }
                    case 2: { // c.lw
                        int imm = bits(c, 5, 5) << 6 | bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2;
                        return iType(imm, rs1p, 2, rdp, 0x03);
                    }
                    case 3: { // c.ld
                        int imm = bits(c, 6, 5) << 6 | bits(c, 12, 10) << 3;
                        return iType(imm, rs1p, 3, rdp, 0x03);
                    }
                    case 5: { // c.fsd
                        int imm = bits(c, 6, 5) << 6 | bits(c, 12, 10) << 3;
                        return sType(imm, rdp, rs1p, 3, 0x27);
                    }
                    case 6: { // c.sw
                        int imm = bits(c, 5, 5) << 6 | bits(c, 12, 10) << 3 | bits(c, 6, 6) << 2;
                        return sType(imm, rdp, rs1p, 2, 0x23);
                    }
                    case 7: { // c.sd
                        int imm = bits(c, 6, 5) << 6 | bits(c, 12, 10) << 3;
                        return sType(imm, rdp, rs1p, 3, 0x23);
                    }
                    default:
                        return 0;
                }
            case 1:
                switch (funct3) {
                    case 0: { // c.addi / c.nop
                        int imm = signExtend(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
                        return iType(imm, rd, 0, rd, 0x13);
                    }
                    case 1: { // c.addiw
                        if (rd == 0) return 0;
                        int imm = signExtend(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
                        return iType(imm, rd, 0, rd, 0x1b);
                    }
                    case 2: { // c.li
                        int imm = signExtend(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
                        return iType(imm, 0, 0, rd, 0x13);
                    }
                    case 3: {
                        if (rd == 2) { // c.addi16sp
                            int imm = signExtend(bits(c, 12, 12) << 9 | bits(c, 4, 3) << 7 | bits(c, 5, 5) << 6
                                    | bits(c, 2, 2) << 5 | bits(c, 6, 6) << 4, 10);
                            if (imm == 0) return 0;
                            return iType(imm, 2, 0, 2, 0x13);
                        }
                        // c.lui
                        int imm = signExtend(bits(c, 12, 12) << 17 | bits(c, 6, 2) << 12, 18);
                        if (imm == 0) return 0;
                        return (imm & 0xfffff000) | rd << 7 | 0x37;
                    }
                    case 4: {
                        int f2 = bits(c, 11, 10);
                        int shamt = bits(c, 12, 12) << 5 | bits(c, 6, 2);
                        switch (f2) {
                            case 0: return iType(shamt, rs1p, 5, rs1p, 0x13);                 // c.srli
                            case 1: return iType(0x400 | shamt, rs1p, 5, rs1p, 0x13);         // c.srai
                            case 2: {                                                         // c.andi
                                int imm = signExtend(bits(c, 12, 12) << 5 | bits(c, 6, 2), 6);
                                return iType(imm, rs1p, 7, rs1p, 0x13);
                            }
                            default: {
                                int f = bits(c, 6, 5);
                                if (bits(c, 12, 12) == 0) {
                                    switch (f) {
                                        case 0: return rTypeOp(0x20, rdp, rs1p, 0, rs1p, 0x33); // c.sub
                                        case 1: return rTypeOp(0, rdp, rs1p, 4, rs1p, 0x33);    // c.xor
                                        case 2: return rTypeOp(0, rdp, rs1p, 6, rs1p, 0x33);    // c.or
                                        default: return rTypeOp(0, rdp, rs1p, 7, rs1p, 0x33);   // c.and
                                    }
                                }
                                switch (f) {
                                    case 0: return rTypeOp(0x20, rdp, rs1p, 0, rs1p, 0x3b);     // c.subw
                                    case 1: return rTypeOp(0, rdp, rs1p, 0, rs1p, 0x3b);        // c.addw
                                    default: return 0;
                                }
                            }
                        }
                    }
                    case 5: { // c.j
                        int imm = signExtend(bits(c, 12, 12) << 11 | bits(c, 8, 8) << 10 | bits(c, 10, 9) << 8
                                | bits(c, 6, 6) << 7 | bits(c, 7, 7) << 6 | bits(c, 2, 2) << 5 | bits(c, 11, 11) << 4
                                | bits(c, 5, 3) << 1, 12);
                        return jType(imm, 0);
                    }
                    default: { // c.beqz (6) / c.bnez (7)
                        int imm = signExtend(bits(c, 12, 12) << 8 | bits(c, 6, 5) << 6 | bits(c, 2, 2) << 5
                                | bits(c, 11, 10) << 3 | bits(c, 4, 3) << 1, 9);
                        return bType(imm, 0, rs1p, funct3 == 6 ? 0 : 1);
                    }
                }
            case 2:
                switch (funct3) {
                    case 0: { // c.slli
                        int shamt = bits(c, 12, 12) << 5 | bits(c, 6, 2);
                        return iType(shamt, rd, 1, rd, 0x13);
                    }
                    case 1: { // c.fldsp
                        int imm = bits(c, 4, 2) << 6 | bits(c, 12, 12) << 5 | bits(c, 6, 5) << 3;
                        return iType(imm, 2, 3, rd, 0x07);
                    }
                    case 2: { // c.lwsp
                        if (rd == 0) return 0;
                        int imm = bits(c, 3, 2) << 6 | bits(c, 12, 12) << 5 | bits(c, 6, 4) << 2;
                        return iType(imm, 2, 2, rd, 0x03);
                    }
                    case 3: { // c.ldsp
                        if (rd == 0) return 0;
                        int imm = bits(c, 4, 2) << 6 | bits(c, 12, 12) << 5 | bits(c, 6, 5) << 3;
                        return iType(imm, 2, 3, rd, 0x03);
                    }
                    case 4: {
                        if (bits(c, 12, 12) == 0) {
                            if (rs2 == 0) { // c.jr
                                if (rd == 0) return 0;
                                return iType(0, rd, 0, 0, 0x67);
                            }
                            return rTypeOp(0, rs2, 0, 0, rd, 0x33); // c.mv
                        }
                        if (rs2 == 0) {
                            if (rd == 0) return 0x00100073; // c.ebreak
                            return iType(0, rd, 0, 1, 0x67); // c.jalr
                        }
                        return rTypeOp(0, rs2, rd, 0, rd, 0x33); // c.add
                    }
                    case 5: { // c.fsdsp
                        int imm = bits(c, 9, 7) << 6 | bits(c, 12, 10) << 3;
                        return sType(imm, rs2, 2, 3, 0x27);
                    }
                    case 6: { // c.swsp
                        int imm = bits(c, 8, 7) << 6 | bits(c, 12, 9) << 2;
                        return sType(imm, rs2, 2, 2, 0x23);
                    }
                    default: { // c.sdsp
                        int imm = bits(c, 9, 7) << 6 | bits(c, 12, 10) << 3;
                        return sType(imm, rs2, 2, 3, 0x23);
                    }
                }
            default:
                return 0;
        }
    }
}
