package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Hart.*;

/**
 * The interpreter's common case as a loop that makes no call: the integer instructions most of a kernel's cold code is
 * made of (LUI, AUIPC, jumps, branches, loads and stores that hit the TLB, the RV64I ALU operations and addw/subw, fences),
 * fetched from a page the fetch TLB maps, and the common 16-bit forms (decoded from their own encoding, not through
 * {@link Compressed}'s table). It stops, without running it, at the first instruction it does not do (anything that could trap, call out
 * or change more than a register and memory through the TLB); {@link Interpreter#interpret} runs that one with its
 * general loop and comes back here.
 *
 * <p>Why a loop of its own: in the general loop, every value live across its calls (the slow memory paths, CSRs,
 * atomics, traps) is kept on the stack by C2, and its compiled code reloaded {@code pc}, the count, the fetch page and
 * its number from the stack at every instruction (docs/BENCHMARKS.md, round 33). Here nothing is live across a call, so
 * they can stay in registers; {@code instret} is counted in a local and added once, and no event can happen inside
 * (nothing here traps, stops the batch or makes the fetch page stale), so there is no per-instruction test of events.
 * Same semantics as the general loop, instruction for instruction (the interpreter's differential tests run both).
 */
final class InterpreterFastLoop {
    /**
     * {@code -Dvmckpt.interp.fastLoop=false}: every instruction through the general loop, as before (for A/B).
     */
    static final boolean ENABLED = !"false".equals(System.getProperty("vmckpt.interp.fastLoop"));

    private final Hart h;
    private final Mmu mmu;
    private final Interpreter interpreter;

    InterpreterFastLoop(Interpreter interpreter) {
        this.interpreter = interpreter;
        this.h = interpreter.h;
        this.mmu = interpreter.mmu;
    }

    /**
     * Runs up to {@code budget} instructions from {@code h.pc} and returns how many ran (all retired); {@code h.pc} is
     * then the next one's. Stops early before an instruction it does not do, after one that lands on {@code stopAt},
     * and in block mode after a jump or taken branch that {@link Interpreter#endsBlock} hands over (then it sets
     * {@link Hart#EVENT_BLOCK_END}). Expects {@code h.events} to be 0.
     */
    int run(int budget, boolean blockMode, long stopAt) {
        final Mmu mmu = this.mmu;
        final long[] x = h.x;
        long pc = h.pc;
        // Few values live across the loop (C2 keeps the rest on the stack or in vector registers): the count left,
        // pc, the fetch page and its number; the fields below are decoded in the cases that use them.
        int left = budget;
        byte[] fetchPage = null;
        long fetchVpn = -1;
        loop:
        while (left > 0) {
            int off = (int) pc & 0xfff;
            if (off > 0xffc) break; // a 4-byte read would cross the page: the general loop's fetch
            long vpn = pc >>> 12;
            if (vpn != fetchVpn) {
                int ti = (int) vpn & TLB_MASK;
                if (mmu.xTag[ti] != (vpn | mmu.fetchCtx)) break;
                fetchVpn = vpn;
                fetchPage = mmu.xPage[ti];
            }
            int insn = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
            long next = pc + 4;
            if ((insn & 3) != 3) {
                // A 16-bit instruction: its 32-bit form made here from its own bits (Compressed.expand's fields; no
                // table: the expansion table's load was this loop's busiest cache miss, round 37), then run by the
                // switch below. The upper 16 bits of insn (the next instruction) are masked off by every field.
                // Floating point, c.ebreak, reserved and illegal encodings are the general loop's.
                int c = insn;
                int rdp = (c & 0x1c) << 5 | 0x400;      // rd' (bits 4-2) in a 32-bit form's rd field
                int rs1p = (c & 0x380) << 8 | 0x40000;  // rs1' (bits 9-7) in its rs1 field
                int rd = c & 0xf80;                      // rd (bits 11-7), already in the rd field
                switch ((c & 3) << 3 | (c >>> 13) & 7) {
                    case 0: { // c.addi4spn
                        int imm = ((c >>> 7) & 0xf) << 6 | ((c >>> 11) & 3) << 4 | ((c >>> 5) & 1) << 3 | ((c >>> 6) & 1) << 2;
                        if (imm == 0) break loop; // illegal
                        insn = imm << 20 | 2 << 15 | rdp | 0x13;
                        break;
                    }
                    case 2: // c.lw
                        insn = (((c >>> 5) & 1) << 6 | ((c >>> 10) & 7) << 3 | ((c >>> 6) & 1) << 2) << 20 | rs1p | 2 << 12 | rdp | 0x03;
                        break;
                    case 3: // c.ld
                        insn = (((c >>> 5) & 3) << 6 | ((c >>> 10) & 7) << 3) << 20 | rs1p | 3 << 12 | rdp | 0x03;
                        break;
                    case 6: { // c.sw
                        int imm = ((c >>> 5) & 1) << 6 | ((c >>> 10) & 7) << 3 | ((c >>> 6) & 1) << 2;
                        insn = (imm >>> 5) << 25 | ((c & 0x1c) << 18 | 0x800000) | rs1p | 2 << 12 | (imm & 31) << 7 | 0x23;
                        break;
                    }
                    case 7: { // c.sd
                        int imm = ((c >>> 5) & 3) << 6 | ((c >>> 10) & 7) << 3;
                        insn = (imm >>> 5) << 25 | ((c & 0x1c) << 18 | 0x800000) | rs1p | 3 << 12 | (imm & 31) << 7 | 0x23;
                        break;
                    }
                    case 8: // c.addi (c.nop and its hints: rd = 0 writes x0, which reads as 0 again at the next instruction)
                        insn = ((c << 19) >> 26 & ~31 | (c >>> 2) & 31) << 20 | rd << 8 | rd | 0x13;
                        break;
                    case 9: // c.addiw
                        if (rd == 0) break loop; // illegal
                        insn = ((c << 19) >> 26 & ~31 | (c >>> 2) & 31) << 20 | rd << 8 | rd | 0x1b;
                        break;
                    case 10: // c.li
                        insn = ((c << 19) >> 26 & ~31 | (c >>> 2) & 31) << 20 | rd | 0x13;
                        break;
                    case 11: // c.addi16sp (rd = 2) or c.lui
                        if (rd == 2 << 7) {
                            int imm = (c << 19) >> 22 & ~0x1ff | ((c >>> 3) & 3) << 7 | ((c >>> 5) & 1) << 6
                                    | ((c >>> 2) & 1) << 5 | ((c >>> 6) & 1) << 4;
                            if (imm == 0) break loop; // reserved
                            insn = imm << 20 | 2 << 15 | 2 << 7 | 0x13;
                        } else {
                            int imm = (c << 19) >> 14 & ~0x1ffff | ((c >>> 2) & 31) << 12;
                            if (imm == 0) break loop; // reserved
                            insn = imm | rd | 0x37;
                        }
                        break;
                    case 12: { // c.srli, c.srai, c.andi, c.sub/xor/or/and, c.subw/addw
                        int rdq = (c & 0x380) | 0x400; // rd' of bits 9-7 in the rd field
                        switch ((c >>> 10) & 3) {
                            case 0: insn = ((c >>> 7) & 32 | (c >>> 2) & 31) << 20 | rs1p | 5 << 12 | rdq | 0x13; break;
                            case 1: insn = (0x400 | (c >>> 7) & 32 | (c >>> 2) & 31) << 20 | rs1p | 5 << 12 | rdq | 0x13; break;
                            case 2: insn = ((c << 19) >> 26 & ~31 | (c >>> 2) & 31) << 20 | rs1p | 7 << 12 | rdq | 0x13; break;
                            default: {
                                int rs2p = (c & 0x1c) << 18 | 0x800000;
                                switch ((c >>> 10) & 4 | (c >>> 5) & 3) { // bit 12, then bits 6-5
                                    case 0: insn = 0x20 << 25 | rs2p | rs1p | rdq | 0x33; break;          // c.sub
                                    case 1: insn = rs2p | rs1p | 4 << 12 | rdq | 0x33; break;             // c.xor
                                    case 2: insn = rs2p | rs1p | 6 << 12 | rdq | 0x33; break;             // c.or
                                    case 3: insn = rs2p | rs1p | 7 << 12 | rdq | 0x33; break;             // c.and
                                    case 4: insn = 0x20 << 25 | rs2p | rs1p | rdq | 0x3b; break;          // c.subw
                                    case 5: insn = rs2p | rs1p | rdq | 0x3b; break;                       // c.addw
                                    default: break loop; // reserved
                                }
                            }
                        }
                        break;
                    }
                    case 13: { // c.j: jal x0 (imm[20|10:1|11|19:12])
                        int imm = (c << 19) >> 20 & ~0x7ff | ((c >>> 8) & 1) << 10 | ((c >>> 9) & 3) << 8
                                | ((c >>> 6) & 1) << 7 | ((c >>> 7) & 1) << 6 | ((c >>> 2) & 1) << 5
                                | ((c >>> 11) & 1) << 4 | ((c >>> 3) & 7) << 1;
                        insn = (imm & 0x80000000) | (imm & 0x7fe) << 20 | (imm & 0x800) << 9 | imm & 0xff000 | 0x6f;
                        break;
                    }
                    case 14: // c.beqz
                    case 15: { // c.bnez: beq/bne rs1', x0 (imm[12|10:5], imm[4:1|11])
                        int imm = (c << 19) >> 23 & ~0xff | ((c >>> 5) & 3) << 6 | ((c >>> 2) & 1) << 5
                                | ((c >>> 10) & 3) << 3 | ((c >>> 3) & 3) << 1;
                        insn = (imm & 0x80000000) | (imm & 0x7e0) << 20 | rs1p | ((c >>> 13) & 1) << 12
                                | (imm & 0x1e) << 7 | (imm & 0x800) >>> 4 | 0x63;
                        break;
                    }
                    case 16: // c.slli
                        insn = ((c >>> 7) & 32 | (c >>> 2) & 31) << 20 | rd << 8 | 1 << 12 | rd | 0x13;
                        break;
                    case 18: // c.lwsp
                        if (rd == 0) break loop; // reserved
                        insn = (((c >>> 2) & 3) << 6 | ((c >>> 12) & 1) << 5 | ((c >>> 4) & 7) << 2) << 20 | 2 << 15 | 2 << 12 | rd | 0x03;
                        break;
                    case 19: // c.ldsp
                        if (rd == 0) break loop; // reserved
                        insn = (((c >>> 2) & 7) << 6 | ((c >>> 12) & 1) << 5 | ((c >>> 5) & 3) << 3) << 20 | 2 << 15 | 3 << 12 | rd | 0x03;
                        break;
                    case 20: { // c.jr, c.mv, c.jalr, c.add (c.ebreak is the general loop's)
                        int rs2 = (c & 0x7c) << 18;
                        if (rs2 != 0) {
                            insn = (c & 0x1000) == 0 ? rs2 | rd | 0x33 : rs2 | rd << 8 | rd | 0x33;
                        } else {
                            if (rd == 0) break loop; // reserved (c.jr), c.ebreak
                            insn = rd << 8 | ((c & 0x1000) >>> 5) | 0x67; // jalr x0 or x1, 0(rd)
                        }
                        break;
                    }
                    case 22: { // c.swsp
                        int imm = ((c >>> 7) & 3) << 6 | ((c >>> 9) & 15) << 2;
                        insn = (imm >>> 5) << 25 | (c & 0x7c) << 18 | 2 << 15 | 2 << 12 | (imm & 31) << 7 | 0x23;
                        break;
                    }
                    case 23: { // c.sdsp
                        int imm = ((c >>> 7) & 7) << 6 | ((c >>> 10) & 7) << 3;
                        insn = (imm >>> 5) << 25 | (c & 0x7c) << 18 | 2 << 15 | 3 << 12 | (imm & 31) << 7 | 0x23;
                        break;
                    }
                    default:
                        break loop; // floating point, reserved: the general loop's
                }
                next = pc + 2;
            }
            x[0] = 0;
            switch (insn & 0x7f) {
                case 0x37: // LUI
                    x[(insn >>> 7) & 31] = insn & 0xfffff000;
                    break;
                case 0x17: // AUIPC
                    x[(insn >>> 7) & 31] = pc + (insn & 0xfffff000);
                    break;
                case 0x6f: // JAL
                    x[(insn >>> 7) & 31] = next;
                    pc = pc + ((insn & 0x80000000) >> 11 | insn & 0xff000 | (insn >>> 9) & 0x800 | (insn >>> 20) & 0x7fe);
                    left--;
                    if (pc == stopAt) break loop;
                    if (blockMode && pc != next && interpreter.endsBlock(pc)) {
                        h.events = EVENT_BLOCK_END;
                        break loop;
                    }
                    continue;
                case 0x67: { // JALR
                    long target = (x[(insn >>> 15) & 31] + (insn >> 20)) & ~1L;
                    x[(insn >>> 7) & 31] = next;
                    pc = target;
                    left--;
                    if (pc == stopAt) break loop;
                    if (blockMode && pc != next && interpreter.endsBlock(pc)) {
                        h.events = EVENT_BLOCK_END;
                        break loop;
                    }
                    continue;
                }
                case 0x63: { // branches
                    int funct3 = (insn >>> 12) & 7;
                    long a = x[(insn >>> 15) & 31];
                    long b = x[(insn >>> 20) & 31];
                    boolean taken;
                    switch (funct3) {
                        case 0: taken = a == b; break;
                        case 1: taken = a != b; break;
                        case 4: taken = a < b; break;
                        case 5: taken = a >= b; break;
                        case 6: taken = a + Long.MIN_VALUE < b + Long.MIN_VALUE; break;
                        case 7: taken = a + Long.MIN_VALUE >= b + Long.MIN_VALUE; break;
                        default: break loop; // illegal
                    }
                    if (taken) {
                        pc = pc + (((insn >> 31) << 12) | (((insn >>> 7) & 1) << 11) | (((insn >>> 25) & 0x3f) << 5) | (((insn >>> 8) & 0xf) << 1));
                        left--;
                        if (pc == stopAt) break loop;
                        if (blockMode && pc != next && interpreter.endsBlock(pc)) {
                            h.events = EVENT_BLOCK_END;
                            break loop;
                        }
                        continue;
                    }
                    break;
                }
                case 0x03: { // loads: the TLB's fast path only
                    int funct3 = (insn >>> 12) & 7;
                    long va = x[(insn >>> 15) & 31] + (insn >> 20);
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    if (mmu.rTag[di] != ((va >>> 12) | mmu.dataCtx) || dOff > 0xff8) break loop;
                    byte[] page = mmu.rPage[di];
                    long a = Mmu.BYTE_BASE + dOff;
                    long v;
                    switch (funct3) {
                        case 0: v = UNSAFE.getByte(page, a); break;
                        case 1: v = UNSAFE.getShort(page, a); break;
                        case 2: v = UNSAFE.getInt(page, a); break;
                        case 3: v = UNSAFE.getLong(page, a); break;
                        case 4: v = UNSAFE.getByte(page, a) & 0xffL; break;
                        case 5: v = UNSAFE.getShort(page, a) & 0xffffL; break;
                        case 6: v = UNSAFE.getInt(page, a) & 0xffffffffL; break;
                        default: break loop; // illegal
                    }
                    x[(insn >>> 7) & 31] = v;
                    break;
                }
                case 0x23: { // stores: the write TLB's fast path only (it maps no page holding translations)
                    int funct3 = (insn >>> 12) & 7;
                    if (funct3 > 3) break loop; // illegal
                    long va = x[(insn >>> 15) & 31] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    if (mmu.wTag[di] != ((va >>> 12) | mmu.dataCtx) || dOff > 0xff8) break loop;
                    byte[] page = mmu.wPage[di];
                    long a = Mmu.BYTE_BASE + dOff;
                    long v = x[(insn >>> 20) & 31];
                    switch (funct3) {
                        case 0: UNSAFE.putByte(page, a, (byte) v); break;
                        case 1: UNSAFE.putShort(page, a, (short) v); break;
                        case 2: UNSAFE.putInt(page, a, (int) v); break;
                        default: UNSAFE.putLong(page, a, v);
                    }
                    break;
                }
                case 0x13: { // OP-IMM
                    int funct3 = (insn >>> 12) & 7;
                    long a = x[(insn >>> 15) & 31];
                    long imm = insn >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = a + imm; break;
                        case 1: r = a << imm; break;
                        case 2: r = a < imm ? 1 : 0; break;
                        case 3: r = a + Long.MIN_VALUE < imm + Long.MIN_VALUE ? 1 : 0; break;
                        case 4: r = a ^ imm; break;
                        case 5: r = (insn & 0x40000000) != 0 ? a >> imm : a >>> imm; break;
                        case 6: r = a | imm; break;
                        default: r = a & imm;
                    }
                    x[(insn >>> 7) & 31] = r;
                    break;
                }
                case 0x33: { // OP: RV64I's operations; M and illegal encodings are the general loop's
                    int funct3 = (insn >>> 12) & 7;
                    long a = x[(insn >>> 15) & 31];
                    long b = x[(insn >>> 20) & 31];
                    int funct7 = insn >>> 25;
                    long r;
                    if (funct7 == 0) {
                        switch (funct3) {
                            case 0: r = a + b; break;
                            case 1: r = a << b; break;
                            case 2: r = a < b ? 1 : 0; break;
                            case 3: r = a + Long.MIN_VALUE < b + Long.MIN_VALUE ? 1 : 0; break;
                            case 4: r = a ^ b; break;
                            case 5: r = a >>> b; break;
                            case 6: r = a | b; break;
                            default: r = a & b;
                        }
                    } else if (funct7 == 0x20 && funct3 == 0) {
                        r = a - b;
                    } else if (funct7 == 0x20 && funct3 == 5) {
                        r = a >> b;
                    } else {
                        break loop;
                    }
                    x[(insn >>> 7) & 31] = r;
                    break;
                }
                case 0x1b: { // OP-IMM-32 (the general loop's expressions)
                    int funct3 = (insn >>> 12) & 7;
                    long a = x[(insn >>> 15) & 31];
                    long imm = insn >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = (int) (a + imm); break;
                        case 1: r = (int) a << (int) imm; break;
                        case 5: r = (insn & 0x40000000) != 0 ? (int) a >> (int) imm : (int) a >>> (int) imm; break;
                        default: break loop; // illegal
                    }
                    x[(insn >>> 7) & 31] = r;
                    break;
                }
                case 0x3b: { // OP-32: addw and subw
                    int funct7 = insn >>> 25;
                    if ((insn & 0x7000) != 0 || (funct7 != 0 && funct7 != 0x20)) break loop;
                    long a = x[(insn >>> 15) & 31];
                    long b = x[(insn >>> 20) & 31];
                    x[(insn >>> 7) & 31] = funct7 == 0 ? (int) (a + b) : (int) (a - b);
                    break;
                }
                case 0x0f: // FENCE, FENCE.I: nothing to do
                    if ((insn & 0x6000) != 0) break loop;
                    break;
                default:
                    break loop; // atomics, system, floating point, illegal: the general loop's
            }
            pc = next;
            left--;
            if (next == stopAt) break;
        }
        int n = budget - left;
        h.pc = pc;
        h.instret += n;
        x[0] = 0; // x0 reads as zero between instructions
        return n;
    }
}
