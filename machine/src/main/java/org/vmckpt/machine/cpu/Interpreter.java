package org.vmckpt.machine.cpu;

import org.vmckpt.machine.memory.GuestMemory;

import static org.vmckpt.machine.cpu.Csr.*;
import static org.vmckpt.machine.cpu.Hart.*;

/**
 * The interpreter loop: fetch, decode and execute of the integer, atomic and system instructions (floating point
 * goes to {@link FloatInstructions}, CSRs to {@link CsrFile}, memory to {@link Mmu}).
 * State lives in {@link Hart}; this holds the behaviour.
 */
final class Interpreter {
    final Hart h;
    /** The hart's MMU and RAM, held here so that the hot loop and {@link #endsBlock} reach them in one load. */
    final Mmu mmu;
    final GuestMemory ram;

    /** The loop of the common instructions, or null when {@link InterpreterFastLoop#ENABLED} is off. */
    private InterpreterFastLoop fastLoop;

    Interpreter(Hart h) {
        this.h = h;
        this.mmu = h.mmu;
        this.ram = h.ram;
        setFastLoop(InterpreterFastLoop.ENABLED);
        stops = InterpreterStops.ENABLED ? new InterpreterStops(h) : null;
    }

    /** One in this many jumps to where no unit may start is handed to the dispatcher (which counts heat). */
    static final int HEAT_SAMPLE = 16;
    private static final int SAMPLE_BELOW = (int) ((1L << 32) / HEAT_SAMPLE);
    private int heatTick;

    /**
     * Block mode: whether the interpreter hands a jump to {@code target} to the dispatcher. Always where a unit may
     * start (an offset of a page holding translations that has an entry in the code cache, or a page the fetch TLB
     * does not map yet); elsewhere only one jump in {@link #HEAT_SAMPLE}, so that code nobody translated runs at the
     * interpreter's own speed while the dispatcher still sees enough of it to find what is hot. (Every jump into a
     * code page used to end the block: about half of a boot's dispatcher trips, each a lookup that found nothing.)
     */
    boolean endsBlock(long target) {
        long vpn = target >>> 12;
        int ti = (int) vpn & TLB_MASK;
        if (mmu.xTag[ti] != (vpn | mmu.fetchCtx)) return true;
        int page = mmu.xPhys[ti];
        if (ram.isCodePage(page)) {
            // Whether the code cache has an entry at the target (CodeCache.entries), read here: as a call (hasEntry, until
            // round 19) C2, which compiles this loop before the boot has code pages, saw it never executed and left it
            // out of line, paid at every jump in a page holding translations later.
            long[] e = h.codeCache.entries[page];
            int off = (int) target & 0xfff;
            if (e != null && (e[off >>> 7] & (1L << (off >>> 1))) != 0) return true;
        }
        // A Weyl sequence (a golden-ratio stride) picks one jump in HEAT_SAMPLE: unlike every 16th jump, it does not
        // lock onto one jump of a loop whose iteration holds 2, 4, 8 or 16 jumps (which then took all the heat).
        return Integer.compareUnsigned(heatTick += 0x9E3779B9, SAMPLE_BELOW) < 0;
    }

    /** The fast loop's stops, counted (-Dvmckpt.interp.stopCounts=true), else null. */
    final InterpreterStops stops;

    /** Counts how a run of the fast loop that retired {@code ran} ended (the tests of {@link #interpret}, in order). */
    private void countFastRun(int ran, boolean budgetUsed, long stopAt) {
        stops.fastRun(ran, budgetUsed ? InterpreterStops.END_BUDGET
                : h.events != 0 ? InterpreterStops.END_BLOCK
                : ran > 0 && h.pc == stopAt ? InterpreterStops.END_STOP_AT : -1);
    }

    /** Turns the fast loop on or off for this hart (tests: the two ways side by side in one JVM). */
    void setFastLoop(boolean on) {
        fastLoop = on ? new InterpreterFastLoop(this) : null;
    }

    /** {@link #interpret(int, boolean, long)} with no address to stop at. */
    int interpret(int budget, boolean blockMode) {
        return interpret(budget, blockMode, -1);
    }

    /**
     * The interpreter: executes up to {@code budget} instructions. In block mode (under the dispatcher) it also
     * stops after a jump or taken branch, where a translated unit may start, and when the next instruction is at
     * {@code stopAt} (the next entry of the page, {@link CodeCache#nextEntry}; -1, which no instruction has, for none).
     */
    int interpret(int budget, boolean blockMode, long stopAt) {
        if (fastLoop == null) return interpretEach(budget, blockMode, stopAt);
        // The common instructions in the fast loop; each one it stops before, through the general loop below.
        int n = 0;
        h.events = 0;
        while (true) {
            InterpreterFastLoop fl = fastLoop;
            int ran = fl.run(budget - n, blockMode, stopAt);
            n += ran;
            if (InterpreterStops.ENABLED) countFastRun(ran, n >= budget, stopAt);
            if (n >= budget || h.events != 0 || (ran > 0 && h.pc == stopAt)) break;
            int general = interpretEach(1, blockMode, stopAt);
            n += general;
            if (InterpreterStops.ENABLED) stops.general(general, (h.events & EVENT_STOP) != 0);
            if (n >= budget || (h.events & (EVENT_STOP | EVENT_BLOCK_END)) != 0 || h.pc == stopAt) break;
        }
        if (InterpreterStops.ENABLED) stops.call(n);
        return n;
    }

    /**
     * The general loop: every instruction, each through the fetch, the decode and the execution below (the fast loop's
     * instructions too, when it is off).
     */
    private int interpretEach(int budget, boolean blockMode, long stopAt) {
        final Hart h = this.h;
        final Mmu mmu = this.mmu;
        final long[] x = h.x;
        long pc = h.pc;
        int n = 0;
        h.events = 0;
        // The page pc is in, fetched from without a TLB lookup while pc stays in it and no event made it stale
        // (TLB flush, page replaced, privilege or translation change, trap).
        byte[] fetchPage = null;
        long fetchVpn = -1;
        while (n < budget) {
            n++;
            int insn;
            int len = 4;
            int off = (int) pc & 0xfff;
            int ti;
            if ((pc >>> 12) == fetchVpn && off <= 0xffc) {
                insn = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
            } else if (mmu.xTag[ti = (int) (pc >>> 12) & TLB_MASK] == ((pc >>> 12) | mmu.fetchCtx) && off <= 0xffc) {
                fetchVpn = pc >>> 12; // entered another page that the TLB maps
                fetchPage = mmu.xPage[ti];
                insn = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
            } else {
                insn = mmu.fetchSlow(pc);
                if (h.trap) {
                    h.pc = pc;
                    h.traps.takePendingTrap();
                    pc = h.pc;
                    h.events = 0;
                    fetchVpn = -1;
                    continue;
                }
                ti = (int) (pc >>> 12) & TLB_MASK;
                if (mmu.xTag[ti] == ((pc >>> 12) | mmu.fetchCtx)) {
                    fetchVpn = pc >>> 12;
                    fetchPage = mmu.xPage[ti];
                }
            }
            if ((insn & 3) != 3) {
                int c = insn & 0xffff;
                insn = Compressed.expandCached(c);
                len = 2;
                if (insn == 0) {
                    h.pc = pc;
                    h.traps.raise(CAUSE_ILLEGAL_INSTRUCTION, c);
                    pc = h.pc;
                    h.events = 0;
                    fetchVpn = -1;
                    continue;
                }
            }
            x[0] = 0;
            long fallThrough = pc + len;
            long next = fallThrough;
            int rd = (insn >>> 7) & 31;
            int rs1 = (insn >>> 15) & 31;
            int funct3 = (insn >>> 12) & 7;
            switch (insn & 0x7f) {
                case 0x37: // LUI
                    x[rd] = insn & 0xfffff000;
                    break;
                case 0x17: // AUIPC
                    x[rd] = pc + (insn & 0xfffff000);
                    break;
                case 0x6f: { // JAL
                    // Decode.immJ, written out (one shift and mask per field, sign-extended from int): as a call C2 left
                    // it out of line, "too big" at 42 bytes and, when shorter, "executed < MinInliningThreshold times"
                    // (its own count stays low, since C1's code inlines it: the Alu case below).
                    x[rd] = next;
                    next = pc + ((insn & 0x80000000) >> 11 | insn & 0xff000 | (insn >>> 9) & 0x800 | (insn >>> 20) & 0x7fe);
                    break;
                }
                case 0x67: { // JALR
                    long target = (x[rs1] + (insn >> 20)) & ~1L;
                    x[rd] = next;
                    next = target;
                    break;
                }
                case 0x63: { // branches
                    long a = x[rs1];
                    long b = x[(insn >>> 20) & 31];
                    boolean taken;
                    // Alu.beq..bgeu's conditions, written out (as the translator does): C2 left those methods as calls
                    // here ("never executed": their own invocation counts stay 0, since C1's code inlines them).
                    switch (funct3) {
                        case 0: taken = a == b; break;
                        case 1: taken = a != b; break;
                        case 4: taken = a < b; break;
                        case 5: taken = a >= b; break;
                        case 6: taken = a + Long.MIN_VALUE < b + Long.MIN_VALUE; break;
                        case 7: taken = a + Long.MIN_VALUE >= b + Long.MIN_VALUE; break;
                        default: h.illegal(insn); taken = false;
                    }
                    if (taken) {
                        next = pc + Decode.immB(insn);
                    }
                    break;
                }
                // slt, sltu, sllw, srlw and sraw are Alu's one-liners written out too (a Java int shift takes its distance
                // mod 32, as the word shifts do): 11-14 bytes of bytecode, more than the 6 C2 inlines without a profile, and
                // C2 compiles this method about a second into a boot, before the kernel has run many of them; it then left
                // them as calls ("never executed"), which later code paid for at every one (docs/BENCHMARKS.md, round 19).
                // Loads, stores and the common ALU operations are written out here, TLB fast paths included, rather than called: C2 inlines a
                // callee of their size (Mmu.load64 is 73 bytes of bytecode) only where the call site runs often per call
                // of this method, and under the translator (block mode) this method is called once per block of a few
                // dozen instructions, so it compiled them as calls (-XX:+PrintInlining: "too big"), unlike under
                // --cpu interp (4,096 instructions per call: "inline (hot)"). Same semantics as Mmu.load*/store*: an
                // access that misses the TLB or is not within 8 bytes of the page's end takes those paths.
                case 0x03: { // loads
                    long va = x[rs1] + (insn >> 20);
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    long v;
                    long tag = (va >>> 12) | mmu.dataCtx;
                    byte[] page = mmu.rTag[di] == tag ? mmu.rPage[di] : mmu.r2Tag[di] == tag ? mmu.secondRead(di) : null; // (Mmu#twoWay, r2Tag all -1 without: the ways swap)
                    if (page != null && dOff <= 0xff8) {
                        long a = Mmu.BYTE_BASE + dOff;
                        switch (funct3) {
                            case 0: v = UNSAFE.getByte(page, a); break;
                            case 1: v = UNSAFE.getShort(page, a); break;
                            case 2: v = UNSAFE.getInt(page, a); break;
                            case 3: v = UNSAFE.getLong(page, a); break;
                            case 4: v = UNSAFE.getByte(page, a) & 0xffL; break;
                            case 5: v = UNSAFE.getShort(page, a) & 0xffffL; break;
                            case 6: v = UNSAFE.getInt(page, a) & 0xffffffffL; break;
                            default: h.illegal(insn); v = 0;
                        }
                    } else {
                        v = loadMiss(insn, funct3, va);
                    }
                    if (!h.trap) x[rd] = v;
                    break;
                }
                case 0x23: { // stores
                    long va = x[rs1] + Decode.immS(insn);
                    long v = x[(insn >>> 20) & 31];
                    int di = (int) (va >>> 12) & TLB_MASK;
                    long dOff = va & 0xfff;
                    long tag = (va >>> 12) | mmu.dataCtx;
                    byte[] page = mmu.wTag[di] == tag ? mmu.wPage[di] : mmu.w2Tag[di] == tag ? mmu.secondWrite(di) : null; // (Mmu#twoWay: the ways swap)
                    if (page != null && dOff <= 0xff8) {
                        long a = Mmu.BYTE_BASE + dOff;
                        switch (funct3) {
                            case 0: UNSAFE.putByte(page, a, (byte) v); break;
                            case 1: UNSAFE.putShort(page, a, (short) v); break;
                            case 2: UNSAFE.putInt(page, a, (int) v); break;
                            case 3: UNSAFE.putLong(page, a, v); break;
                            default: h.illegal(insn);
                        }
                    } else {
                        storeMiss(insn, funct3, va, v);
                    }
                    break;
                }
                case 0x13: { // OP-IMM
                    long a = x[rs1];
                    long imm = insn >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = Alu.add(a, imm); break;
                        case 1: r = (insn >>> 26) == 0 ? Alu.sll(a, imm) : bitmanip(insn, a, imm); break;
                        case 2: r = a < imm ? 1 : 0; break; // slt, sltu and the word shifts: Alu's, written out (below)
                        case 3: r = a + Long.MIN_VALUE < imm + Long.MIN_VALUE ? 1 : 0; break;
                        case 4: r = Alu.xor(a, imm); break;
                        case 5:
                            r = (insn >>> 26) == 0 ? Alu.srl(a, imm) : (insn >>> 26) == 0x10 ? Alu.sra(a, imm)
                                    : bitmanip(insn, a, imm);
                            break;
                        case 6: r = Alu.or(a, imm); break;
                        default: r = Alu.and(a, imm);
                    }
                    x[rd] = r;
                    break;
                }
                case 0x33: { // OP: RV64I's operations here (as OP-IMM's), M and illegal encodings in op()
                    long a = x[rs1];
                    long b = x[(insn >>> 20) & 31];
                    int funct7 = insn >>> 25;
                    long r;
                    if (funct7 == 0) {
                        switch (funct3) {
                            case 0: r = Alu.add(a, b); break;
                            case 1: r = Alu.sll(a, b); break;
                            case 2: r = a < b ? 1 : 0; break;
                            case 3: r = a + Long.MIN_VALUE < b + Long.MIN_VALUE ? 1 : 0; break;
                            case 4: r = Alu.xor(a, b); break;
                            case 5: r = Alu.srl(a, b); break;
                            case 6: r = Alu.or(a, b); break;
                            default: r = Alu.and(a, b);
                        }
                    } else if (funct7 == 0x20 && funct3 == 0) {
                        r = Alu.sub(a, b);
                    } else {
                        r = op(insn, funct3, a, b);
                    }
                    x[rd] = r;
                    break;
                }
                case 0x1b: { // OP-IMM-32
                    long a = x[rs1];
                    long imm = insn >> 20;
                    long r;
                    switch (funct3) {
                        case 0: r = Alu.addw(a, imm); break;
                        case 1: r = (insn >>> 25) == 0 ? (int) a << (int) imm : bitmanip(insn, a, imm); break;
                        case 5:
                            r = (insn >>> 25) == 0 ? (int) a >>> (int) imm : (insn >>> 25) == 0x20 ? (int) a >> (int) imm
                                    : bitmanip(insn, a, imm);
                            break;
                        default: r = illegalKeepingRd(insn);
                    }
                    x[rd] = r;
                    break;
                }
                case 0x3b: { // OP-32: addw and subw here, the rest in op32()
                    long a = x[rs1];
                    long b = x[(insn >>> 20) & 31];
                    int funct7 = insn >>> 25;
                    x[rd] = funct3 == 0 && funct7 == 0 ? Alu.addw(a, b) : funct3 == 0 && funct7 == 0x20 ? Alu.subw(a, b)
                            : op32(insn, funct3, a, b);
                    break;
                }
                case 0x0f: // FENCE, FENCE.I: nothing to do (no decoded-code cache; single memory order); CBO.ZERO
                    if (funct3 > 1) {
                        if ((insn & 0xfff07fff) == CBO_ZERO && cboZeroAllowed()) {
                            h.cboZeros++;
                            mmu.zeroBlock(x[rs1], h.cbozBlock);
                        } else {
                            h.illegal(insn);
                        }
                    }
                    break;
                case 0x2f:
                    amo(insn, rd, rs1, funct3);
                    break;
                case 0x73:
                    h.pc = pc;
                    next = system(insn, rd, rs1, funct3, next);
                    break;
                case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
                    h.fp.floatingPoint(insn, rd, rs1, funct3);
                    break;
                default:
                    h.illegal(insn);
            }
            if (h.events == 0) {
                pc = next;
                h.instret++;
                if (next == stopAt) break;
                // Block mode: a jump or taken branch (one test here, for all of them) may end the block.
                if (blockMode && next != fallThrough && endsBlock(next)) {
                    h.events = EVENT_BLOCK_END;
                    break;
                }
                continue;
            }
            if (h.trap) {
                h.pc = pc;
                h.traps.takePendingTrap();
                pc = h.pc;
            } else {
                pc = next;
                h.instret++;
            }
            if ((h.events & (EVENT_STOP | EVENT_BLOCK_END)) != 0) break;
            h.events = 0;
            fetchVpn = -1;
            fetchPage = null;
        }
        h.pc = pc;
        x[0] = 0; // an instruction with rd = x0 may have written it; x0 reads as zero between instructions
        if ((h.events & EVENT_STOP) != 0) h.interruptCheckDue = true;
        return n;
    }

    /** {@code cbo.zero} with rs1 = 0: MISC-MEM, funct3 2, imm 4, rd 0 (the CMO extensions' encoding). */
    static final int CBO_ZERO = 0x0040200f;

    /**
     * Zicboz is there and envcfg lets this mode zero blocks: M always; S and U when menvcfg.CBZE is set; U also needs
     * senvcfg.CBZE. Else cbo.zero is an illegal instruction.
     */
    private boolean cboZeroAllowed() {
        if (h.cbozBlock == 0) return false;
        if (h.priv == PRIV_M) return true;
        if ((h.menvcfg & ENVCFG_CBZE) == 0) return false;
        return h.priv == PRIV_S || (h.senvcfg & ENVCFG_CBZE) != 0;
    }

    /** A load the TLB's fast path above did not take (a miss, the page's last bytes, an illegal width). */
    private long loadMiss(int insn, int funct3, long va) {
        switch (funct3) {
            case 0: return (byte) mmu.load8(va);
            case 1: return (short) mmu.load16(va);
            case 2: return mmu.load32(va);
            case 3: return mmu.load64(va);
            case 4: return mmu.load8(va) & 0xffL;
            case 5: return mmu.load16(va) & 0xffffL;
            case 6: return mmu.load32(va) & 0xffffffffL;
            default: h.illegal(insn); return 0;
        }
    }

    /** A store the TLB's fast path above did not take. */
    private void storeMiss(int insn, int funct3, long va, long v) {
        switch (funct3) {
            case 0: mmu.store8(va, (int) v); break;
            case 1: mmu.store16(va, (int) v); break;
            case 2: mmu.store32(va, (int) v); break;
            case 3: mmu.store64(va, v); break;
            default: h.illegal(insn);
        }
    }

    // ================================================================== integer operations

    // Semantics live in Alu (shared with the translator); Decode.aluOperation names the same operation per encoding.

    long op(int insn, int funct3, long a, long b) {
        int funct7 = insn >>> 25;
        if (funct7 == 0) {
            switch (funct3) {
                case 0: return Alu.add(a, b);
                case 1: return Alu.sll(a, b);
                case 2: return Alu.slt(a, b);
                case 3: return Alu.sltu(a, b);
                case 4: return Alu.xor(a, b);
                case 5: return Alu.srl(a, b);
                case 6: return Alu.or(a, b);
                default: return Alu.and(a, b);
            }
        } else if (funct7 == 0x20) {
            if (funct3 == 0) return Alu.sub(a, b);
            if (funct3 == 5) return Alu.sra(a, b);
        } else if (funct7 == 1) {
            switch (funct3) {
                case 0: return Alu.mul(a, b);
                case 1: return Alu.mulh(a, b);
                case 2: return Alu.mulhsu(a, b);
                case 3: return Alu.mulhu(a, b);
                case 4: return Alu.div(a, b);
                case 5: return Alu.divu(a, b);
                case 6: return Alu.rem(a, b);
                default: return Alu.remu(a, b);
            }
        }
        return bitmanip(insn, a, b);
    }

    /**
     * An ALU encoding that is not one of the base's or M's (operands: rs1's value, and rs2's or the I-immediate): a Zba,
     * Zbb or Zbs operation when {@link Decode#bitmanip} is on, or illegal. Off, OP-IMM's and OP-IMM-32's shifts with
     * other upper immediate bits run as main runs them (slli, srli or srai by bit 30; slliw, srliw, sraiw).
     * The Alu operation {@link Decode#aluOperation} names, so the translator's and this decoding are one.
     */
    long bitmanip(int insn, long a, long b) {
        if (!Decode.bitmanip) {
            int f3 = (insn >>> 12) & 7;
            if ((insn & 0x7f) == 0x13) { // (callers send only funct3 1 and 5 here)
                return f3 == 1 ? Alu.sll(a, b) : (insn & 0x40000000) != 0 ? Alu.sra(a, b) : Alu.srl(a, b);
            }
            if ((insn & 0x7f) == 0x1b) {
                return f3 == 1 ? (int) a << (int) b : (insn & 0x40000000) != 0 ? (int) a >> (int) b : (int) a >>> (int) b;
            }
            return illegalKeepingRd(insn);
        }
        int op = Decode.bitmanipOperation(insn);
        if (op < 0) return illegalKeepingRd(insn);
        if (BITMANIP_COUNTS) {
            Decode.BITMANIP_RETIRED[op]++;
            Decode.bitmanipInterpreted++;
        }
        return bitmanipValue(op, a, b);
    }

    /** The Zba/Zbb/Zbs operation {@code op} (a {@link Decode} B_ number) of rs1's value and rs2's or the immediate. */
    static long bitmanipValue(int op, long a, long b) {
        switch (op) {
            case Decode.B_ADD_UW: return Alu.addUW(a, b);
            case Decode.B_SH1ADD: return Alu.sh1add(a, b);
            case Decode.B_SH2ADD: return Alu.sh2add(a, b);
            case Decode.B_SH3ADD: return Alu.sh3add(a, b);
            case Decode.B_SH1ADD_UW: return Alu.sh1addUW(a, b);
            case Decode.B_SH2ADD_UW: return Alu.sh2addUW(a, b);
            case Decode.B_SH3ADD_UW: return Alu.sh3addUW(a, b);
            case Decode.B_SLL_UW: return Alu.sllUW(a, b);
            case Decode.B_ANDN: return Alu.andn(a, b);
            case Decode.B_ORN: return Alu.orn(a, b);
            case Decode.B_XNOR: return Alu.xnor(a, b);
            case Decode.B_CLZ: return Alu.clz(a, b);
            case Decode.B_CTZ: return Alu.ctz(a, b);
            case Decode.B_CPOP: return Alu.cpop(a, b);
            case Decode.B_CLZW: return Alu.clzw(a, b);
            case Decode.B_CTZW: return Alu.ctzw(a, b);
            case Decode.B_CPOPW: return Alu.cpopw(a, b);
            case Decode.B_MAX: return Alu.max(a, b);
            case Decode.B_MIN: return Alu.min(a, b);
            case Decode.B_MAXU: return Alu.maxu(a, b);
            case Decode.B_MINU: return Alu.minu(a, b);
            case Decode.B_SEXT_B: return Alu.sextB(a, b);
            case Decode.B_SEXT_H: return Alu.sextH(a, b);
            case Decode.B_ZEXT_H: return Alu.zextH(a, b);
            case Decode.B_ROL: return Alu.rol(a, b);
            case Decode.B_ROR: return Alu.ror(a, b);
            case Decode.B_ROLW: return Alu.rolw(a, b);
            case Decode.B_RORW: return Alu.rorw(a, b);
            case Decode.B_ORC_B: return Alu.orcB(a, b);
            case Decode.B_REV8: return Alu.rev8(a, b);
            case Decode.B_BCLR: return Alu.bclr(a, b);
            case Decode.B_BEXT: return Alu.bext(a, b);
            case Decode.B_BINV: return Alu.binv(a, b);
            case Decode.B_BSET: return Alu.bset(a, b);
            default: throw new IllegalArgumentException("no bit-manipulation operation " + op); // (never: Decode numbers no other)
        }
    }

    /**
     * {@code -Dvmckpt.isa.bitmanipCounts=true}: the interpreter counts the Zba/Zbb/Zbs instructions it retires, per
     * operation, with translated code (Decode#BITMANIP_RETIRED). Off by default.
     */
    static final boolean BITMANIP_COUNTS = Boolean.getBoolean("vmckpt.isa.bitmanipCounts");

    /**
     * Raises illegal-instruction for an ALU encoding and returns rd's current value, which the caller writes back:
     * a trapping instruction leaves rd unchanged, and the hot path needs no test of its own.
     */
    long illegalKeepingRd(int insn) {
        h.illegal(insn);
        return h.x[(insn >>> 7) & 31];
    }

    long op32(int insn, int funct3, long a, long b) {
        int funct7 = insn >>> 25;
        if (funct7 == 0) {
            switch (funct3) {
                case 0: return Alu.addw(a, b);
                case 1: return Alu.sllw(a, b);
                case 5: return Alu.srlw(a, b);
                default: break;
            }
        } else if (funct7 == 0x20) {
            if (funct3 == 0) return Alu.subw(a, b);
            if (funct3 == 5) return Alu.sraw(a, b);
        } else if (funct7 == 1) {
            switch (funct3) {
                case 0: return Alu.mulw(a, b);
                case 4: return Alu.divw(a, b);
                case 5: return Alu.divuw(a, b);
                case 6: return Alu.remw(a, b);
                case 7: return Alu.remuw(a, b);
                default: break;
            }
        }
        return bitmanip(insn, a, b);
    }

    // ================================================================== atomics

    /** lr, sc, amoswap, amoadd, amoxor, amoand, amoor, amomin, amomax, amominu, amomaxu. */
    static boolean isAmoFunct5(int funct5) {
        switch (funct5) {
            case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x08: case 0x0c:
            case 0x10: case 0x14: case 0x18: case 0x1c:
                return true;
            default:
                return false;
        }
    }

    void amo(int insn, int rd, int rs1, int funct3) {
        long va = h.x[rs1];
        long src = h.x[(insn >>> 20) & 31];
        int funct5 = insn >>> 27;
        boolean dword;
        if (funct3 == 3) dword = true;
        else if (funct3 == 2) dword = false;
        else { h.illegal(insn); return; }
        // An encoding that is no AMO is illegal whatever its address (and must not touch memory or mappings).
        if (!isAmoFunct5(funct5) || (funct5 == 2 && ((insn >>> 20) & 31) != 0)) { h.illegal(insn); return; }
        int size = dword ? 8 : 4;
        if ((va & (size - 1)) != 0) {
            h.fault(funct5 == 2 ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va);
            return;
        }
        if (funct5 == 2) { // LR
            if (((insn >>> 20) & 31) != 0) { h.illegal(insn); return; }
            long v = dword ? mmu.load64(va) : mmu.load32(va);
            if (h.trap) return;
            h.reservation = va;
            h.x[rd] = v;
            return;
        }
        if (funct5 == 3) { // SC
            if (h.reservation != va) {
                // Still a store access for fault purposes: report page faults as a store would.
                mmu.translate(va, ACCESS_WRITE);
                if (h.trap) return;
                h.reservation = -1;
                h.x[rd] = 1;
                return;
            }
            h.reservation = -1;
            if (dword) mmu.store64(va, src); else mmu.store32(va, (int) src);
            if (h.trap) return;
            h.x[rd] = 0;
            return;
        }
        byte[] page = mmu.writablePage(va);
        if (h.trap) return;
        if (page == null) { h.fault(CAUSE_STORE_ACCESS, va); return; }
        int off = (int) va & 0xfff;
        long old = dword ? (long) LONG.get(page, off) : (long) (int) INT.get(page, off);
        long b = dword ? src : (long) (int) src;
        long result;
        switch (funct5) {
            case 0x01: result = b; break;                                   // amoswap
            case 0x00: result = old + b; break;                             // amoadd
            case 0x04: result = old ^ b; break;                             // amoxor
            case 0x0c: result = old & b; break;                             // amoand
            case 0x08: result = old | b; break;                             // amoor
            case 0x10: result = Math.min(old, b); break;                    // amomin
            case 0x14: result = Math.max(old, b); break;                    // amomax
            case 0x18: result = Long.compareUnsigned(dword ? old : old & 0xffffffffL, dword ? b : b & 0xffffffffL) <= 0 ? old : b; break;
            case 0x1c: result = Long.compareUnsigned(dword ? old : old & 0xffffffffL, dword ? b : b & 0xffffffffL) >= 0 ? old : b; break;
            default: h.illegal(insn); return;
        }
        if (dword) LONG.set(page, off, result); else INT.set(page, off, (int) result);
        h.x[rd] = old;
    }

    // ================================================================== system instructions and CSRs

    long system(int insn, int rd, int rs1, int funct3, long next) {
        if (funct3 == 0) {
            int funct12 = insn >>> 20;
            if (insn == 0x00000073) { // ecall
                if (h.priv == PRIV_S && h.firmware != null) {
                    h.firmware.supervisorEcall(h);
                    h.stopBatch();
                    return next;
                }
                h.fault(h.priv == PRIV_U ? CAUSE_USER_ECALL : h.priv == PRIV_S ? CAUSE_SUPERVISOR_ECALL : CAUSE_MACHINE_ECALL, 0);
                return next;
            }
            if (insn == 0x00100073) { // ebreak
                h.fault(CAUSE_BREAKPOINT, h.pc);
                return next;
            }
            if (insn == 0x30200073) { // mret
                if (h.priv < PRIV_M) { h.illegal(insn); return next; }
                int mpp = (int) ((h.mstatus & MPP) >>> MPP_SHIFT);
                h.mstatus = (h.mstatus & ~MIE_BIT) | ((h.mstatus & MPIE) != 0 ? MIE_BIT : 0);
                h.mstatus |= MPIE;
                h.mstatus &= ~MPP;
                if (mpp != PRIV_M) h.mstatus &= ~MPRV;
                h.setPriv(mpp);
                h.stopBatch();
                return h.mepc;
            }
            if (insn == 0x10200073) { // sret
                if (h.priv < PRIV_S || (h.priv == PRIV_S && (h.mstatus & TSR) != 0)) { h.illegal(insn); return next; }
                int spp = (h.mstatus & SPP) != 0 ? PRIV_S : PRIV_U;
                h.mstatus = (h.mstatus & ~SIE_BIT) | ((h.mstatus & SPIE) != 0 ? SIE_BIT : 0);
                h.mstatus |= SPIE;
                h.mstatus &= ~SPP;
                h.mstatus &= ~MPRV;
                h.setPriv(spp);
                h.stopBatch();
                return h.sepc;
            }
            if (insn == 0x10500073) { // wfi
                if (h.priv == PRIV_U || (h.priv == PRIV_S && (h.mstatus & TW) != 0)) { h.illegal(insn); return next; }
                h.waitingForInterrupt = true;
                h.stopBatch();
                return next;
            }
            if ((funct12 >>> 5) == 0x09 && rd == 0) { // sfence.vma
                if (h.priv == PRIV_U || (h.priv == PRIV_S && (h.mstatus & TVM) != 0)) { h.illegal(insn); return next; }
                int rs2 = (insn >>> 20) & 31;
                if (rs2 != 0 && mmu.asidBits != 0) { // one address space's entries only (not the global ones)
                    if (rs1 == 0) mmu.flushAsid(h.x[rs2]); else mmu.flushAsidPage(h.x[rs1], h.x[rs2]);
                } else if (rs1 == 0) mmu.flushTlb(); else mmu.flushTlbPage(h.x[rs1]);
                return next;
            }
            h.illegal(insn);
            return next;
        }
        int csr = insn >>> 20;
        boolean imm = (funct3 & 4) != 0;
        long operand = imm ? rs1 : h.x[rs1];
        int op = funct3 & 3;
        boolean writes = op == 1 || rs1 != 0;
        if (op == 0) { h.illegal(insn); return next; }
        if (h.priv < ((csr >>> 8) & 3) || (writes && (csr >>> 10) == 3)) { h.illegal(insn); return next; }
        // csrrw with rd == x0 does not read (no read side effects; all ours are pure anyway)
        long old = h.csrs.read(csr, insn);
        if (h.trap) return next;
        if (writes) {
            long value = op == 1 ? operand : op == 2 ? old | operand : old & ~operand;
            h.csrs.write(csr, value, insn);
            if (h.trap) return next;
            if (h.csrs.mayEnableInterrupt(csr)) h.stopBatch();
        }
        h.x[rd] = old;
        return next;
    }

}
