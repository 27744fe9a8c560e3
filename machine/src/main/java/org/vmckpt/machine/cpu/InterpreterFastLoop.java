package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Hart.*;

/**
 * The interpreter's common case as a loop that makes no call: the integer instructions most of a kernel's cold code is
 * made of (LUI, AUIPC, jumps, branches, loads and stores that hit the TLB, the RV64I ALU operations and addw/subw, fences),
 * fetched from a page the fetch TLB maps, compressed ones from {@link Compressed}'s table where an earlier expansion
 * filled it. It stops, without running it, at the first instruction it does not do (anything that could trap, call out
 * or change more than a register and memory through the TLB); {@link Interpreter#interpret} runs that one with its
 * general loop and comes back here.
 *
 * <p>Why a loop of its own: in the general loop, every value live across its calls (the slow memory paths, CSRs,
 * atomics, traps) is kept on the stack by C2, and its compiled code reloaded {@code pc}, the count, the fetch page and
 * its number from the stack at every instruction (docs/BENCHMARKS.md, round 33). Here nothing is live across a call, so
 * they can stay in registers; {@code instret} is counted in a local and added once, and no event can happen inside
 * (nothing here traps, stops the batch or makes the fetch page stale), so there is no per-instruction test of events.
 * Same semantics as the general loop, instruction for instruction (the interpreter's differential tests run both).
 * Decode's immediates and Alu's conditions are written out here, as the general loop does for the same reason (its JAL
 * case): as calls C2 may leave them out of line, and one call would put every value of the loop back on the stack.
 * The three jump tails (JAL, JALR, a taken branch) are kept apart on purpose: folded into one (a labeled block the
 * jumps break to, 91 bytecodes shorter), seven interleaved interpreter-only runs were slower in 5 of 7, medians equal
 * (docs/BENCHMARKS.md, round 41). One call stays, off the hit path: with the two-way TLB ({@code Mmu#twoWay}, off by
 * default) a load's or store's hit in the second way calls {@code Mmu.secondRead}/{@code secondWrite}, which swaps the
 * ways (so a C1 unit entered after it finds the page in its first way).
 *
 * <p>Each case of the opcode switch decodes its own fields, from {@code k = insn ^ OPCODE} with its own constant (round
 * 76's {@code InterpreterCaseLoop}, folded into this loop in round 77). The fields sit above bit 6, so the xor changes
 * none of them; but C2 cannot prove two cases' {@code k} equal, so its value numbering does not merge the cases'
 * identical field expressions (rd, rs1, rs2, funct3, the I-immediate) into one node that global code motion must place
 * before the jump table, where every case sees it and the register allocator spills it (the loop decoding from
 * {@code insn} in every case: ~20 instructions and ~8 stack stores per interpreted instruction before the jump,
 * docs/BENCHMARKS.md rounds 75 and 76). Each field is computed in the case that uses it, at one xor per instruction.
 * Two more facts C2 is told: the register array is not null (one test before the loop instead of one per instruction)
 * and neither is the fetch page (it starts as an empty array that is never read, and a refill checks the TLB's page
 * once), so the page is kept as a plain pointer without a null test at every fetch. Keep both when changing a case:
 * a case that decodes from {@code insn} brings the hoisting back. A call that needs the whole encoding gets
 * {@code k | OPCODE} (equal to {@code insn} in that case, but not one node with it or with another case's): round 76's
 * case loop passed {@code k} to {@link Decode#bitmanipIfOn}, whose opcode switch then saw 0, so with
 * {@code -Dvmckpt.isa.bitmanip=true} the loop stopped before every Zba, Zbb and Zbs instruction (round 77).
 */
final class InterpreterFastLoop {
    /**
     * {@code -Dvmckpt.interp.fastLoop=false}: every instruction through the general loop, as before (for A/B).
     */
    static final boolean ENABLED = !"false".equals(System.getProperty("vmckpt.interp.fastLoop"));
    final Hart h;
    final Mmu mmu;
    final Interpreter interpreter;

    InterpreterFastLoop(Interpreter interpreter) {
        this.interpreter = interpreter;
        this.h = interpreter.h;
        this.mmu = interpreter.mmu;
    }

    /** The fetch page before the first fetch (never read). */
    private static final byte[] NO_PAGE = new byte[0];

    /**
     * Runs up to {@code budget} instructions from {@code h.pc} and returns how many ran (all retired); {@code h.pc} is
     * then the next one's. Stops early before an instruction it does not do, after one that lands on {@code stopAt},
     * and in block mode after a jump or taken branch that {@link Interpreter#endsBlock} hands over (then it sets
     * {@link Hart#EVENT_BLOCK_END}). Expects {@code h.events} to be 0.
     */
    int run(int budget, boolean blockMode, long stopAt) {
        final Mmu mmu = this.mmu;
        final long[] x = h.x;
        if (x == null) return 0; // (never: tells C2 that x is not null in the loop, no null test per instruction)
        long pc = h.pc;
        // Few values live across the loop (C2 keeps the rest on the stack or in vector registers): the count left,
        // pc, the fetch page and its number; the fields below are decoded in the cases that use them.
        int left = budget;
        byte[] fetchPage = NO_PAGE; // (never read: the first fetch refills it; not null, so no null test per fetch)
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
                byte[] page = mmu.xPage[ti];
                if (page == null) break; // (never with a matching tag)
                fetchPage = page;
            }
            int insn = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
            long next = pc + 4;
            if ((insn & 3) != 3) {
                int c = insn & 0xffff;
                insn = Compressed.expandedOrZero(c);
                if (insn == 0) break; // not expanded yet, or illegal
                next = pc + 2;
            }
            x[0] = 0;
            switch (insn & 0x7f) {
                case 0x37: { // LUI
                    final int k = insn ^ 0x37; // (see the class comment)
                    x[(k >>> 7) & 31] = k & 0xfffff000;
                    break;
                }
                case 0x17: { // AUIPC
                    final int k = insn ^ 0x17; // (see the class comment)
                    x[(k >>> 7) & 31] = pc + (k & 0xfffff000);
                    break;
                }
                case 0x6f: { // JAL
                    final int k = insn ^ 0x6f; // (see the class comment)
                    x[(k >>> 7) & 31] = next;
                    pc = pc + ((k & 0x80000000) >> 11 | k & 0xff000 | (k >>> 9) & 0x800 | (k >>> 20) & 0x7fe);
                    left--;
                    if (pc == stopAt) break loop;
                    if (blockMode && pc != next && interpreter.endsBlock(pc)) {
                        h.events = EVENT_BLOCK_END;
                        break loop;
                    }
                    continue;
                }
                case 0x67: { // JALR
                    final int k = insn ^ 0x67; // (see the class comment)
                    long target = (x[(k >>> 15) & 31] + (k >> 20)) & ~1L;
                    x[(k >>> 7) & 31] = next;
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
                    final int k = insn ^ 0x63; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    long a = x[(k >>> 15) & 31];
                    long b = x[(k >>> 20) & 31];
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
                        pc = pc + (((k >> 31) << 12) | (((k >>> 7) & 1) << 11) | (((k >>> 25) & 0x3f) << 5) | (((k >>> 8) & 0xf) << 1));
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
                    final int k = insn ^ 0x03; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    long va = x[(k >>> 15) & 31] + (k >> 20);
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    long tag = (va >>> 12) | mmu.dataCtx;
                    byte[] page;
                    if (mmu.rTag[di] == tag && dOff <= 0xff8) page = mmu.rPage[di];
                    else if (mmu.r2Tag[di] == tag && dOff <= 0xff8) page = mmu.secondRead(di); // (Mmu#twoWay, all -1 without: the ways swap)
                    else break loop;
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
                    x[(k >>> 7) & 31] = v;
                    break;
                }
                case 0x23: { // stores: the write TLB's fast path only (it maps no page holding translations)
                    final int k = insn ^ 0x23; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    if (funct3 > 3) break loop; // illegal
                    long va = x[(k >>> 15) & 31] + (((k >> 25) << 5) | ((k >>> 7) & 31));
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    long tag = (va >>> 12) | mmu.dataCtx;
                    byte[] page;
                    if (mmu.wTag[di] == tag && dOff <= 0xff8) page = mmu.wPage[di];
                    else if (mmu.w2Tag[di] == tag && dOff <= 0xff8) page = mmu.secondWrite(di); // (a page dirty in the epoch, as the first way's; the ways swap)
                    else break loop;
                    long a = Mmu.BYTE_BASE + dOff;
                    long v = x[(k >>> 20) & 31];
                    switch (funct3) {
                        case 0: UNSAFE.putByte(page, a, (byte) v); break;
                        case 1: UNSAFE.putShort(page, a, (short) v); break;
                        case 2: UNSAFE.putInt(page, a, (int) v); break;
                        default: UNSAFE.putLong(page, a, v);
                    }
                    break;
                }
                case 0x13: { // OP-IMM
                    final int k = insn ^ 0x13; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    long a = x[(k >>> 15) & 31];
                    long imm = k >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = a + imm; break;
                        case 1: // slli; other upper bits: Zbb, Zbs with the switch on (Interpreter#bitmanip), else the general loop's
                            if ((k >>> 26) != 0) {
                                int op = Decode.bitmanipIfOn(k | 0x13);
                                if (op < 0) break loop;
                                r = Interpreter.bitmanipValue(op, a, imm);
                                break;
                            }
                            r = a << imm;
                            break;
                        case 2: r = a < imm ? 1 : 0; break;
                        case 3: r = a + Long.MIN_VALUE < imm + Long.MIN_VALUE ? 1 : 0; break;
                        case 4: r = a ^ imm; break;
                        case 5: // srli, srai; other upper bits: as case 1
                            if ((k & 0xbc000000) != 0) {
                                int op = Decode.bitmanipIfOn(k | 0x13);
                                if (op < 0) break loop;
                                r = Interpreter.bitmanipValue(op, a, imm);
                                break;
                            }
                            r = (k & 0x40000000) != 0 ? a >> imm : a >>> imm;
                            break;
                        case 6: r = a | imm; break;
                        default: r = a & imm;
                    }
                    x[(k >>> 7) & 31] = r;
                    break;
                }
                case 0x33: { // OP: RV64I's operations (and Zba, Zbb, Zbs with their switch); the rest: the general loop's
                    final int k = insn ^ 0x33; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    long a = x[(k >>> 15) & 31];
                    long b = x[(k >>> 20) & 31];
                    int funct7 = k >>> 25;
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
                    } else if (funct7 != 1) { // Zba, Zbb, Zbs with the switch on, else the general loop's
                        int op = Decode.bitmanipIfOn(k | 0x33);
                        if (op < 0) break loop;
                        r = Interpreter.bitmanipValue(op, a, b);
                    } else { // the M extension: the general loop's
                        break loop;
                    }
                    x[(k >>> 7) & 31] = r;
                    break;
                }
                case 0x1b: { // OP-IMM-32 (the general loop's expressions)
                    final int k = insn ^ 0x1b; // (see the class comment)
                    int funct3 = (k >>> 12) & 7;
                    long a = x[(k >>> 15) & 31];
                    long imm = k >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = (int) (a + imm); break;
                        case 1: // slliw; other upper bits: Zba, Zbb with the switch on, else the general loop's
                            if ((k >>> 25) != 0) {
                                int op = Decode.bitmanipIfOn(k | 0x1b);
                                if (op < 0) break loop;
                                r = Interpreter.bitmanipValue(op, a, imm);
                                break;
                            }
                            r = (int) a << (int) imm;
                            break;
                        case 5: // srliw, sraiw; other upper bits: as case 1
                            if ((k & 0xbe000000) != 0) {
                                int op = Decode.bitmanipIfOn(k | 0x1b);
                                if (op < 0) break loop;
                                r = Interpreter.bitmanipValue(op, a, imm);
                                break;
                            }
                            r = (k & 0x40000000) != 0 ? (int) a >> (int) imm : (int) a >>> (int) imm;
                            break;
                        default: break loop; // illegal
                    }
                    x[(k >>> 7) & 31] = r;
                    break;
                }
                case 0x3b: { // OP-32: addw and subw; the rest: the general loop's
                    final int k = insn ^ 0x3b; // (see the class comment)
                    int funct7 = k >>> 25;
                    if ((k & 0x7000) == 0 && (funct7 == 0 || funct7 == 0x20)) {
                        long a = x[(k >>> 15) & 31];
                        long b = x[(k >>> 20) & 31];
                        x[(k >>> 7) & 31] = funct7 == 0 ? (int) (a + b) : (int) (a - b);
                        break;
                    }
                    if (funct7 != 0 && funct7 != 1 && funct7 != 0x20) { // Zba, Zbb with the switch on, else the general loop's
                        int op = Decode.bitmanipIfOn(k | 0x3b);
                        if (op < 0) break loop;
                        x[(k >>> 7) & 31] = Interpreter.bitmanipValue(op, x[(k >>> 15) & 31], x[(k >>> 20) & 31]);
                        break;
                    }
                    break loop; // the word shifts and the M extension: the general loop's
                }
                case 0x0f: { // FENCE, FENCE.I: nothing to do
                    final int k = insn ^ 0x0f; // (see the class comment)
                    if ((k & 0x6000) != 0) break loop;
                    break;
                }
                default:
                    break loop; // system, floating point, illegal: the general loop's
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
