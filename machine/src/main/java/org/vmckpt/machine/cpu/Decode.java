package org.vmckpt.machine.cpu;

/**
 * Instruction fields and immediates of 32-bit RISC-V encodings (compressed instructions are expanded to these
 * by {@link Compressed} first), and the mapping from an integer ALU encoding to its {@link Alu} operation.
 * Shared by the interpreter ({@link Hart}) and the {@link Translator}.
 */
public final class Decode {
    private Decode() { }

    // Alu method names by funct3 (null: reserved).
    private static final String[] OP = {"add", "sll", "slt", "sltu", "xor", "srl", "or", "and"};
    private static final String[] OP_M = {"mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu"};
    private static final String[] OP_32_M = {"mulw", null, null, null, "divw", "divuw", "remw", "remuw"};
    private static final String[] BRANCH = {"beq", "bne", null, null, "blt", "bge", "bltu", "bgeu"};

    /**
     * Whether the engines decode Zba, Zbb and Zbs ({@link org.vmckpt.machine.Isa#BITMANIP}, which it starts from;
     * tests set it, and build their harts and code caches after). Off, every encoding decodes as on main (which runs
     * OP-IMM's shifts whatever their upper immediate bits: {@link #aluOperation}). Read only where an encoding is not
     * one of the base's, never on the common instructions' paths.
     */
    public static volatile boolean bitmanip = org.vmckpt.machine.Isa.BITMANIP;

    public static int opcode(int insn) { return insn & 0x7f; }
    public static int rd(int insn) { return (insn >>> 7) & 31; }
    public static int rs1(int insn) { return (insn >>> 15) & 31; }
    public static int rs2(int insn) { return (insn >>> 20) & 31; }
    public static int funct3(int insn) { return (insn >>> 12) & 7; }

    public static long immI(int insn) { return insn >> 20; }
    public static long immS(int insn) { return ((insn >> 25) << 5) | ((insn >>> 7) & 31); }
    public static long immU(int insn) { return insn & 0xfffff000; }

    public static long immB(int insn) {
        return ((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1);
    }

    public static long immJ(int insn) {
        return ((insn >> 31) << 20) | (((insn >>> 12) & 0xff) << 12) | (((insn >>> 20) & 1) << 11) | (((insn >>> 21) & 0x3ff) << 1);
    }

    /** The length in bytes of the instruction whose low 16 bits are {@code parcel}. */
    public static int length(int parcel) {
        return (parcel & 3) == 3 ? 4 : 2;
    }

    /**
     * The {@link Alu} method an OP, OP-IMM, OP-32 or OP-IMM-32 encoding performs (its second operand is rs2 for
     * OP and OP-32, the I-immediate otherwise), or null if the encoding is not one of those or is illegal. This is
     * the same mapping as the interpreter's switch in {@link Hart}; the differential tests hold the two equal.
     */
    public static String aluOperation(int insn) {
        int f3 = funct3(insn);
        int f7 = insn >>> 25;
        switch (opcode(insn)) {
            case 0x13: // OP-IMM
                switch (f3) {
                    case 0: return "add";
                    case 1: return (insn >>> 26) == 0 || !bitmanip ? "sll" : name(bitmanipImm(insn));
                    case 2: return "slt";
                    case 3: return "sltu";
                    case 4: return "xor";
                    case 5:
                        if (bitmanip && (insn >>> 26) != 0 && (insn >>> 26) != 0x10) return name(bitmanipImm(insn));
                        return (insn & 0x40000000) != 0 ? "sra" : "srl";
                    case 6: return "or";
                    default: return "and";
                }
            case 0x1b: // OP-IMM-32
                switch (f3) {
                    case 0: return "addw";
                    case 1: return f7 == 0 || !bitmanip ? "sllw" : name(bitmanipImm32(insn));
                    case 5:
                        if (bitmanip && f7 != 0 && f7 != 0x20) return name(bitmanipImm32(insn));
                        return (insn & 0x40000000) != 0 ? "sraw" : "srlw";
                    default: return null;
                }
            case 0x33: // OP
                if (f7 == 0) return OP[f3];
                if (f7 == 0x20 && (f3 == 0 || f3 == 5)) return f3 == 0 ? "sub" : "sra";
                if (f7 == 1) return OP_M[f3];
                return bitmanip ? name(bitmanipReg(insn)) : null;
            case 0x3b: // OP-32
                if (f7 == 0) return f3 == 0 ? "addw" : f3 == 1 ? "sllw" : f3 == 5 ? "srlw" : null;
                if (f7 == 0x20) return f3 == 0 ? "subw" : f3 == 5 ? "sraw" : null;
                if (f7 == 1) return OP_32_M[f3];
                return bitmanip ? name(bitmanipReg32(insn)) : null;
            default:
                return null;
        }
    }

    private static String name(int bitmanipOp) {
        return bitmanipOp < 0 ? null : BITMANIP_OPS[bitmanipOp];
    }

    // The Zba, Zbb and Zbs encodings of RV64 (the ratified bit-manipulation spec, version 1.0.0), by major opcode; -1:
    // an illegal encoding. Callers have taken the base's (and M's) encodings out first.

    // The Zba, Zbb and Zbs operations, numbered (index into BITMANIP_OPS, their Alu method names).
    static final int B_ADD_UW = 0;
    static final int B_SH1ADD = 1;
    static final int B_SH2ADD = 2;
    static final int B_SH3ADD = 3;
    static final int B_SH1ADD_UW = 4;
    static final int B_SH2ADD_UW = 5;
    static final int B_SH3ADD_UW = 6;
    static final int B_SLL_UW = 7;
    static final int B_ANDN = 8;
    static final int B_ORN = 9;
    static final int B_XNOR = 10;
    static final int B_CLZ = 11;
    static final int B_CTZ = 12;
    static final int B_CPOP = 13;
    static final int B_CLZW = 14;
    static final int B_CTZW = 15;
    static final int B_CPOPW = 16;
    static final int B_MAX = 17;
    static final int B_MIN = 18;
    static final int B_MAXU = 19;
    static final int B_MINU = 20;
    static final int B_SEXT_B = 21;
    static final int B_SEXT_H = 22;
    static final int B_ZEXT_H = 23;
    static final int B_ROL = 24;
    static final int B_ROR = 25;
    static final int B_ROLW = 26;
    static final int B_RORW = 27;
    static final int B_ORC_B = 28;
    static final int B_REV8 = 29;
    static final int B_BCLR = 30;
    static final int B_BEXT = 31;
    static final int B_BINV = 32;
    static final int B_BSET = 33;
    /**
     * Zba/Zbb/Zbs instructions retired, per operation, by the interpreter and translated code together, with
     * {@code -Dvmckpt.isa.bitmanipCounts=true} (Interpreter#BITMANIP_COUNTS; a diagnostic, unsynchronised: all harts add to it).
     */
    static final long[] BITMANIP_RETIRED = new long[34];
    /** Of {@link #BITMANIP_RETIRED}, those the interpreter ran (its fast loop and its general loop). */
    static long bitmanipInterpreted;
    static final String[] BITMANIP_OPS = {"addUW", "sh1add", "sh2add", "sh3add", "sh1addUW", "sh2addUW", "sh3addUW", "sllUW", "andn", "orn", "xnor", "clz", "ctz", "cpop", "clzw", "ctzw", "cpopw", "max", "min", "maxu", "minu", "sextB", "sextH", "zextH", "rol", "ror", "rolw", "rorw", "orcB", "rev8", "bclr", "bext", "binv", "bset"};

    /** OP-IMM, funct3 1 or 5, upper immediate bits not those of slli, srli, srai. */
    static int bitmanipImm(int insn) {
        int f6 = insn >>> 26, f12 = insn >>> 20;
        if (funct3(insn) == 1) {
            switch (f6) {
                case 0x0a: return B_BSET; // bseti
                case 0x12: return B_BCLR; // bclri
                case 0x1a: return B_BINV; // binvi
                default: break;
            }
            switch (f12) {
                case 0x600: return B_CLZ;
                case 0x601: return B_CTZ;
                case 0x602: return B_CPOP;
                case 0x604: return B_SEXT_B;
                case 0x605: return B_SEXT_H;
                default: return -1;
            }
        }
        if (f6 == 0x12) return B_BEXT; // bexti
        if (f6 == 0x18) return B_ROR;  // rori
        if (f12 == 0x287) return B_ORC_B;
        if (f12 == 0x6b8) return B_REV8;
        return -1;
    }

    /** OP-IMM-32, funct3 1 with funct7 not 0, or funct3 5 with funct7 not 0 or 0x20. */
    static int bitmanipImm32(int insn) {
        if (funct3(insn) == 1) {
            if ((insn >>> 26) == 0x02) return B_SLL_UW; // slli.uw (a 6-bit shift amount)
            switch (insn >>> 20) {
                case 0x600: return B_CLZW;
                case 0x601: return B_CTZW;
                case 0x602: return B_CPOPW;
                default: return -1;
            }
        }
        return (insn >>> 25) == 0x30 ? B_RORW : -1; // roriw
    }

    /** OP, funct7 not 0 or 1, and not sub or sra. */
    static int bitmanipReg(int insn) {
        int f3 = funct3(insn);
        switch (insn >>> 25) {
            case 0x20: return f3 == 4 ? B_XNOR : f3 == 6 ? B_ORN : f3 == 7 ? B_ANDN : -1;
            case 0x05: return f3 == 4 ? B_MIN : f3 == 5 ? B_MINU : f3 == 6 ? B_MAX : f3 == 7 ? B_MAXU : -1;
            case 0x10: return f3 == 2 ? B_SH1ADD : f3 == 4 ? B_SH2ADD : f3 == 6 ? B_SH3ADD : -1;
            case 0x30: return f3 == 1 ? B_ROL : f3 == 5 ? B_ROR : -1;
            case 0x24: return f3 == 1 ? B_BCLR : f3 == 5 ? B_BEXT : -1;
            case 0x34: return f3 == 1 ? B_BINV : -1;
            case 0x14: return f3 == 1 ? B_BSET : -1;
            default: return -1;
        }
    }

    /** OP-32, funct7 not 0, 1 or 0x20. */
    static int bitmanipReg32(int insn) {
        int f3 = funct3(insn);
        switch (insn >>> 25) {
            case 0x04:
                if (f3 == 0) return B_ADD_UW;
                return f3 == 4 && rs2(insn) == 0 ? B_ZEXT_H : -1; // zext.h (packw with rs2 = x0: no Zbkb here)
            case 0x10: return f3 == 2 ? B_SH1ADD_UW : f3 == 4 ? B_SH2ADD_UW : f3 == 6 ? B_SH3ADD_UW : -1;
            case 0x30: return f3 == 1 ? B_ROLW : f3 == 5 ? B_RORW : -1;
            default: return -1;
        }
    }

    /**
     * The Zba/Zbb/Zbs operation (a B_ number) of an ALU encoding that is not the base's or M's, or -1 if it is
     * illegal; {@link #aluOperation} names the same ({@link #BITMANIP_OPS}). Whatever {@link #bitmanip} says.
     */
    static int bitmanipOperation(int insn) {
        switch (opcode(insn)) {
            case 0x13: return bitmanipImm(insn);
            case 0x1b: return bitmanipImm32(insn);
            case 0x33: return bitmanipReg(insn);
            case 0x3b: return bitmanipReg32(insn);
            default: return -1;
        }
    }

    /**
     * The interpreter's fast loop's test: {@link #bitmanipOperation} of an encoding that is not the base's when the switch
     * is on (counted with the counts switch), else -1 (the fast loop then hands the encoding to the general loop).
     */
    static int bitmanipIfOn(int insn) {
        if (!bitmanip) return -1;
        int op = bitmanipOperation(insn);
        if (Interpreter.BITMANIP_COUNTS && op >= 0) {
            BITMANIP_RETIRED[op]++;
            bitmanipInterpreted++;
        }
        return op;
    }

    /** Whether {@code op} (an {@link #aluOperation} name) is one of Zba's, Zbb's or Zbs's. */
    static boolean isBitmanip(String op) {
        return bitmanipIndex(op) >= 0;
    }

    /** The B_ number of {@code op} (an {@link #aluOperation} name: its index in {@link #BITMANIP_OPS}), or -1. */
    static int bitmanipIndex(String op) {
        for (int k = 0; k < BITMANIP_OPS.length; k++) if (BITMANIP_OPS[k].equals(op)) return k;
        return -1;
    }

    /** The {@link Alu} comparison a BRANCH encoding performs, or null if its funct3 is reserved. */
    public static String branchOperation(int insn) {
        return BRANCH[funct3(insn)];
    }
}
