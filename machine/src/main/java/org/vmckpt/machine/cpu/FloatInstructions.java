package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Csr.*;
import static org.vmckpt.machine.cpu.Hart.*;

/**
 * Floating-point decode and dispatch: F and D loads, stores and operations (the arithmetic is {@link FloatUnit}).
 * State lives in {@link Hart}; this holds the behaviour.
 */
final class FloatInstructions {
    final Hart h;

    FloatInstructions(Hart h) {
        this.h = h;
    }

    // ================================================================== floating point

    int roundingMode(int insn) {
        int rm = (insn >>> 12) & 7;
        if (rm == 7) rm = h.frm;
        return rm <= 4 ? rm : -1;
    }

    void floatingPoint(int insn, int rd, int rs1, int funct3) {
        if (!h.csrs.fpEnabled()) { h.illegal(insn); return; }
        int opcode = insn & 0x7f;
        int rs2 = (insn >>> 20) & 31;
        final long[] f = h.f;
        switch (opcode) {
            case 0x07: { // FLW / FLD
                long va = h.x[rs1] + (insn >> 20);
                if (funct3 == 2) { int v = h.mmu.load32(va); if (!h.trap) f[rd] = FloatUnit.boxS(v); }
                else if (funct3 == 3) { long v = h.mmu.load64(va); if (!h.trap) f[rd] = v; }
                else { h.illegal(insn); return; }
                if (!h.trap) h.csrs.markFpDirty();
                return;
            }
            case 0x27: { // FSW / FSD
                long va = h.x[rs1] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                if (funct3 == 2) h.mmu.store32(va, (int) f[rs2]);
                else if (funct3 == 3) h.mmu.store64(va, f[rs2]);
                else h.illegal(insn);
                return;
            }
            default:
                break;
        }
        int fmt = (insn >>> 25) & 3;
        if (opcode != 0x53) { // fused multiply-add family
            int rm = roundingMode(insn);
            if (rm < 0 || fmt > 1) { h.illegal(insn); return; }
            int rs3 = insn >>> 27;
            FloatUnit u = h.fpu;
            if (fmt == 1) {
                long a = f[rs1], b = f[rs2], c = f[rs3];
                long r;
                switch (opcode) {
                    case 0x43: r = u.fmaddD(a, b, c, rm); break;
                    case 0x47: r = u.fmsubD(a, b, c, rm); break;
                    case 0x4b: r = u.fnmsubD(a, b, c, rm); break;
                    default: r = u.fnmaddD(a, b, c, rm);
                }
                f[rd] = r;
            } else {
                int a = FloatUnit.unboxS(f[rs1]), b = FloatUnit.unboxS(f[rs2]), c = FloatUnit.unboxS(f[rs3]);
                int r;
                switch (opcode) {
                    case 0x43: r = u.fmaddS(a, b, c, rm); break;
                    case 0x47: r = u.fmsubS(a, b, c, rm); break;
                    case 0x4b: r = u.fnmsubS(a, b, c, rm); break;
                    default: r = u.fnmaddS(a, b, c, rm);
                }
                f[rd] = FloatUnit.boxS(r);
            }
            finishFp();
            return;
        }
        int funct7 = insn >>> 25;
        if ((funct7 & 1) == 1) opFpDouble(insn, funct7, rd, rs1, rs2, funct3);
        else opFpSingle(insn, funct7, rd, rs1, rs2, funct3);
    }

    void finishFp() {
        h.fflags |= h.fpu.flags;
        h.fpu.flags = 0;
        h.csrs.markFpDirty();
    }

    void opFpDouble(int insn, int funct7, int rd, int rs1, int rs2, int funct3) {
        final long[] f = h.f;
        FloatUnit u = h.fpu;
        long a = f[rs1], b = f[rs2];
        switch (funct7) {
            case 0x01: case 0x05: case 0x09: case 0x0d: case 0x2d: case 0x21: case 0x61: case 0x69: {
                int rm = roundingMode(insn);
                if (rm < 0) { h.illegal(insn); return; }
                switch (funct7) {
                    case 0x01: f[rd] = u.addD(a, b, rm); break;
                    case 0x05: f[rd] = u.subD(a, b, rm); break;
                    case 0x09: f[rd] = u.mulD(a, b, rm); break;
                    case 0x0d: f[rd] = u.divD(a, b, rm); break;
                    case 0x2d: if (rs2 != 0) { h.illegal(insn); return; } f[rd] = u.sqrtD(a, rm); break;
                    case 0x21: if (rs2 != 0) { h.illegal(insn); return; } f[rd] = u.cvtDS(FloatUnit.unboxS(a)); break;
                    case 0x61: {
                        long r;
                        switch (rs2) {
                            case 0: r = u.cvtWD(a, rm); break;
                            case 1: r = u.cvtWuD(a, rm); break;
                            case 2: r = u.cvtLD(a, rm); break;
                            case 3: r = u.cvtLuD(a, rm); break;
                            default: h.illegal(insn); return;
                        }
                        h.x[rd] = r;
                        break;
                    }
                    default: { // 0x69
                        long v = h.x[rs1];
                        switch (rs2) {
                            case 0: f[rd] = u.cvtDW(v, rm); break;
                            case 1: f[rd] = u.cvtDWu(v, rm); break;
                            case 2: f[rd] = u.cvtDL(v, rm); break;
                            case 3: f[rd] = u.cvtDLu(v, rm); break;
                            default: h.illegal(insn); return;
                        }
                    }
                }
                break;
            }
            case 0x11:
                switch (funct3) {
                    case 0: f[rd] = u.fsgnjD(a, b); break;
                    case 1: f[rd] = u.fsgnjnD(a, b); break;
                    case 2: f[rd] = u.fsgnjxD(a, b); break;
                    default: h.illegal(insn); return;
                }
                break;
            case 0x15:
                if (funct3 == 0) f[rd] = u.minD(a, b);
                else if (funct3 == 1) f[rd] = u.maxD(a, b);
                else { h.illegal(insn); return; }
                break;
            case 0x51:
                switch (funct3) {
                    case 0: h.x[rd] = u.leD(a, b); break;
                    case 1: h.x[rd] = u.ltD(a, b); break;
                    case 2: h.x[rd] = u.eqD(a, b); break;
                    default: h.illegal(insn); return;
                }
                break;
            case 0x71:
                if (rs2 != 0) { h.illegal(insn); return; }
                if (funct3 == 0) h.x[rd] = a;
                else if (funct3 == 1) h.x[rd] = FloatUnit.classD(a);
                else { h.illegal(insn); return; }
                break;
            case 0x79:
                if (rs2 != 0 || funct3 != 0) { h.illegal(insn); return; }
                f[rd] = h.x[rs1];
                break;
            default:
                h.illegal(insn);
                return;
        }
        finishFp();
    }

    void opFpSingle(int insn, int funct7, int rd, int rs1, int rs2, int funct3) {
        final long[] f = h.f;
        FloatUnit u = h.fpu;
        int a = FloatUnit.unboxS(f[rs1]), b = FloatUnit.unboxS(f[rs2]);
        switch (funct7) {
            case 0x00: case 0x04: case 0x08: case 0x0c: case 0x2c: case 0x20: case 0x60: case 0x68: {
                int rm = roundingMode(insn);
                if (rm < 0) { h.illegal(insn); return; }
                switch (funct7) {
                    case 0x00: f[rd] = FloatUnit.boxS(u.addS(a, b, rm)); break;
                    case 0x04: f[rd] = FloatUnit.boxS(u.subS(a, b, rm)); break;
                    case 0x08: f[rd] = FloatUnit.boxS(u.mulS(a, b, rm)); break;
                    case 0x0c: f[rd] = FloatUnit.boxS(u.divS(a, b, rm)); break;
                    case 0x2c: if (rs2 != 0) { h.illegal(insn); return; } f[rd] = FloatUnit.boxS(u.sqrtS(a, rm)); break;
                    case 0x20: if (rs2 != 1) { h.illegal(insn); return; } f[rd] = FloatUnit.boxS(u.cvtSD(f[rs1], rm)); break;
                    case 0x60: {
                        long r;
                        switch (rs2) {
                            case 0: r = u.cvtWS(a, rm); break;
                            case 1: r = u.cvtWuS(a, rm); break;
                            case 2: r = u.cvtLS(a, rm); break;
                            case 3: r = u.cvtLuS(a, rm); break;
                            default: h.illegal(insn); return;
                        }
                        h.x[rd] = r;
                        break;
                    }
                    default: { // 0x68
                        long v = h.x[rs1];
                        int r;
                        switch (rs2) {
                            case 0: r = u.cvtSW(v, rm); break;
                            case 1: r = u.cvtSWu(v, rm); break;
                            case 2: r = u.cvtSL(v, rm); break;
                            case 3: r = u.cvtSLu(v, rm); break;
                            default: h.illegal(insn); return;
                        }
                        f[rd] = FloatUnit.boxS(r);
                    }
                }
                break;
            }
            case 0x10:
                switch (funct3) {
                    case 0: f[rd] = FloatUnit.boxS(u.fsgnjS(a, b)); break;
                    case 1: f[rd] = FloatUnit.boxS(u.fsgnjnS(a, b)); break;
                    case 2: f[rd] = FloatUnit.boxS(u.fsgnjxS(a, b)); break;
                    default: h.illegal(insn); return;
                }
                break;
            case 0x14:
                if (funct3 == 0) f[rd] = FloatUnit.boxS(u.minS(a, b));
                else if (funct3 == 1) f[rd] = FloatUnit.boxS(u.maxS(a, b));
                else { h.illegal(insn); return; }
                break;
            case 0x50:
                switch (funct3) {
                    case 0: h.x[rd] = u.leS(a, b); break;
                    case 1: h.x[rd] = u.ltS(a, b); break;
                    case 2: h.x[rd] = u.eqS(a, b); break;
                    default: h.illegal(insn); return;
                }
                break;
            case 0x70:
                if (rs2 != 0) { h.illegal(insn); return; }
                if (funct3 == 0) h.x[rd] = (int) f[rs1];          // fmv.x.w: raw low 32 bits, sign-extended
                else if (funct3 == 1) h.x[rd] = FloatUnit.classS(a);
                else { h.illegal(insn); return; }
                break;
            case 0x78:
                if (rs2 != 0 || funct3 != 0) { h.illegal(insn); return; }
                f[rd] = FloatUnit.boxS((int) h.x[rs1]);
                break;
            default:
                h.illegal(insn);
                return;
        }
        finishFp();
    }

}
