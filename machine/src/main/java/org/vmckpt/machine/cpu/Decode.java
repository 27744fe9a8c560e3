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
                    case 1: return "sll";
                    case 2: return "slt";
                    case 3: return "sltu";
                    case 4: return "xor";
                    case 5: return (insn & 0x40000000) != 0 ? "sra" : "srl";
                    case 6: return "or";
                    default: return "and";
                }
            case 0x1b: // OP-IMM-32
                switch (f3) {
                    case 0: return "addw";
                    case 1: return "sllw";
                    case 5: return (insn & 0x40000000) != 0 ? "sraw" : "srlw";
                    default: return null;
                }
            case 0x33: // OP
                if (f7 == 0) return OP[f3];
                if (f7 == 0x20) return f3 == 0 ? "sub" : f3 == 5 ? "sra" : null;
                if (f7 == 1) return OP_M[f3];
                return null;
            case 0x3b: // OP-32
                if (f7 == 0) return f3 == 0 ? "addw" : f3 == 1 ? "sllw" : f3 == 5 ? "srlw" : null;
                if (f7 == 0x20) return f3 == 0 ? "subw" : f3 == 5 ? "sraw" : null;
                if (f7 == 1) return OP_32_M[f3];
                return null;
            default:
                return null;
        }
    }

    /** The {@link Alu} comparison a BRANCH encoding performs, or null if its funct3 is reserved. */
    public static String branchOperation(int insn) {
        return BRANCH[funct3(insn)];
    }
}
