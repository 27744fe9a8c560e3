package org.vmckpt.machine.cpu;

import java.io.ByteArrayOutputStream;

/** A tiny RISC-V encoder for hand-written test programs (just the formats; no labels). */
final class Asm {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    static int r(int funct7, int rs2, int rs1, int funct3, int rd, int opcode) {
        return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    static int i(int imm, int rs1, int funct3, int rd, int opcode) {
        return (imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    static int s(int imm, int rs2, int rs1, int funct3, int opcode) {
        return ((imm >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1f) << 7 | opcode;
    }

    static int b(int imm, int rs2, int rs1, int funct3) {
        return ((imm >> 12) & 1) << 31 | ((imm >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12
                | ((imm >> 1) & 0xf) << 8 | ((imm >> 11) & 1) << 7 | 0x63;
    }

    static int u(int imm, int rd, int opcode) {
        return (imm & 0xfffff000) | rd << 7 | opcode;
    }

    static int j(int imm, int rd) {
        return ((imm >> 20) & 1) << 31 | ((imm >> 1) & 0x3ff) << 21 | ((imm >> 11) & 1) << 20
                | ((imm >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
    }

    // common instructions
    static int addi(int rd, int rs1, int imm) { return i(imm, rs1, 0, rd, 0x13); }
    static int add(int rd, int rs1, int rs2) { return r(0, rs2, rs1, 0, rd, 0x33); }
    static int lui(int rd, int imm) { return u(imm, rd, 0x37); }
    static int ld(int rd, int rs1, int imm) { return i(imm, rs1, 3, rd, 0x03); }
    static int lw(int rd, int rs1, int imm) { return i(imm, rs1, 2, rd, 0x03); }
    static int lbu(int rd, int rs1, int imm) { return i(imm, rs1, 4, rd, 0x03); }
    static int sd(int rs2, int rs1, int imm) { return s(imm, rs2, rs1, 3, 0x23); }
    static int sw(int rs2, int rs1, int imm) { return s(imm, rs2, rs1, 2, 0x23); }
    static int sb(int rs2, int rs1, int imm) { return s(imm, rs2, rs1, 0, 0x23); }
    static int csrrw(int rd, int csr, int rs1) { return i(csr, rs1, 1, rd, 0x73); }
    static int csrrs(int rd, int csr, int rs1) { return i(csr, rs1, 2, rd, 0x73); }
    static int csrrc(int rd, int csr, int rs1) { return i(csr, rs1, 3, rd, 0x73); }
    static int csrrwi(int rd, int csr, int imm) { return i(csr, imm, 5, rd, 0x73); }
    static int csrr(int rd, int csr) { return csrrs(rd, csr, 0); }
    static final int ECALL = 0x00000073, EBREAK = 0x00100073, MRET = 0x30200073, SRET = 0x10200073, WFI = 0x10500073;
    static final int SFENCE_VMA = 0x12000073;

    Asm emit(int insn) {
        for (int k = 0; k < 4; k++) out.write(insn >>> (8 * k));
        return this;
    }

    Asm emit16(int insn) {
        out.write(insn);
        out.write(insn >>> 8);
        return this;
    }

    /** Appends the instructions of {@code code}. */
    Asm append(Asm code) {
        out.writeBytes(code.bytes());
        return this;
    }

    /** Loads a 64-bit constant into rd (lui/addi/slli sequence; always 8 instructions). */
    Asm li(int rd, long value) {
        // Build from the top 32 bits, then shift in the low 32 bits in 11-bit pieces.
        int hi = (int) (value >> 32);
        int lo = (int) value;
        int hiUpper = (hi + 0x800) & 0xfffff000;
        emit(lui(rd, hiUpper));
        emit(addi(rd, rd, hi - hiUpper));
        emit(i(11, rd, 1, rd, 0x13));                 // slli 11
        emit(i((lo >>> 21) & 0x7ff, rd, 6, rd, 0x13)); // ori
        emit(i(11, rd, 1, rd, 0x13));
        emit(i((lo >>> 10) & 0x7ff, rd, 6, rd, 0x13));
        emit(i(10, rd, 1, rd, 0x13));
        emit(i(lo & 0x3ff, rd, 6, rd, 0x13));
        return this;
    }

    int size() {
        return out.size();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
