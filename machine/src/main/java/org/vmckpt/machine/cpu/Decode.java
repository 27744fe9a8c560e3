package org.vmckpt.machine.cpu;

/**
 * Instruction fields and immediates of 32-bit RISC-V encodings (compressed instructions are expanded to these
 * by {@link Compressed} first), and the mapping from an integer ALU encoding to its {@link Alu} operation (taken
 * from the interpreter's {@link DecodeCache#operation}). Shared by the interpreter and the {@link Translator}.
 */
public final class Decode {
    private Decode() { }

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
     * OP and OP-32, the I-immediate otherwise), or null if the encoding is not one of those or is illegal. Derived
     * from the interpreter's own decoding ({@link DecodeCache#operation}), so the two engines cannot disagree on
     * which operation an encoding is.
     */
    public static String aluOperation(int insn) {
        return ALU_BY_OPERATION[DecodeCache.operation(insn)];
    }

    /** The {@link Alu} comparison a BRANCH encoding performs, or null if its funct3 is reserved. */
    public static String branchOperation(int insn) {
        return opcode(insn) == 0x63 ? ALU_BY_OPERATION[DecodeCache.operation(insn)] : null;
    }

    /** The Alu method of each {@link DecodeCache} operation that is one (null for the others). */
    private static final String[] ALU_BY_OPERATION = new String[256];

    static {
        String[] names = {
            "beq", "bne", "blt", "bge", "bltu", "bgeu",                                    // BEQ..BGEU
        };
        for (int i = 0; i < names.length; i++) ALU_BY_OPERATION[DecodeCache.BEQ + i] = names[i];
        String[] imm = {"add", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"}; // ADDI..ANDI
        for (int i = 0; i < imm.length; i++) ALU_BY_OPERATION[DecodeCache.ADDI + i] = imm[i];
        String[] reg = {"add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and",
                "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu",
                "addw", "sllw", "srlw", "sraw",                                          // ADDIW..SRAIW
                "addw", "subw", "sllw", "srlw", "sraw",
                "mulw", "divw", "divuw", "remw", "remuw"};                                // ADD..REMUW
        for (int i = 0; i < reg.length; i++) ALU_BY_OPERATION[DecodeCache.ADD + i] = reg[i];
    }
}
