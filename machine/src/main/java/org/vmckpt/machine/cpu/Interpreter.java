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

    Interpreter(Hart h) {
        this.h = h;
        this.mmu = h.mmu;
        this.ram = h.ram;
    }

    /** One in this many jumps to pages without translations is handed to the dispatcher (which counts heat). */
    static final int HEAT_SAMPLE = 16;
    int heatTick;

    /**
     * Block mode: whether the interpreter hands a jump to {@code target} to the dispatcher. Always where a unit may
     * start (a page holding translations, or a page the fetch TLB does not map yet); elsewhere only one jump in
     * {@link #HEAT_SAMPLE}, so that code nobody translated runs at the interpreter's own speed while the
     * dispatcher still sees enough of it to find what is hot.
     */
    boolean endsBlock(long target) {
        long vpn = target >>> 12;
        int ti = (int) vpn & TLB_MASK;
        if (mmu.xTag[ti] != (vpn | mmu.fetchCtx) || ram.isCodePage(mmu.xPhys[ti])) return true;
        return (++heatTick & (HEAT_SAMPLE - 1)) == 0;
    }

    /** Decoded instructions, by physical page (see {@link DecodeCache}). */
    final DecodeCache decoded = new DecodeCache();
    /** The entry of an instruction fetched through the slow path (crossing a page, or not in the fetch TLB yet). */
    private final long[] slowEntry = new long[2];

    /**
     * A jump or taken branch to {@code target} from page {@code vpn}: in block mode, ends the block where a unit may
     * start ({@link #endsBlock}). A target in the same page is decided here without a TLB lookup: the page is mapped
     * (the pc is in it), so only whether it holds translations ({@code pageHasUnits}, read when the loop entered the
     * page) matters; a jump within the page is the common case (loops, local branches).
     */
    private long jump(long target, boolean blockMode, long vpn, boolean pageHasUnits) {
        if (blockMode) {
            boolean end = (target >>> 12) == vpn ? pageHasUnits || (++heatTick & (HEAT_SAMPLE - 1)) == 0 : endsBlock(target);
            if (end) h.events |= EVENT_BLOCK_END;
        }
        return target;
    }

    /**
     * The interpreter: executes up to {@code budget} instructions. In block mode (under the dispatcher) it also
     * stops after a jump or taken branch, where a translated unit may start.
     *
     * <p>Each instruction is run from its {@link DecodeCache} entry: the word at the pc is fetched from the page
     * the fetch TLB maps (as always), compared with the word the entry was decoded from, and decoded again only if
     * they differ. So the switch below is one flat dispatch on the operation, with fields and immediate ready.
     */
    int interpret(int budget, boolean blockMode) {
        final Hart h = this.h;
        final Mmu mmu = this.mmu;
        final DecodeCache dc = this.decoded;
        final long[] x = h.x;
        long pc = h.pc;
        int n = 0;
        h.events = 0;
        // The page pc is in, fetched from without a TLB lookup while pc stays in it and no event made it stale
        // (TLB flush, page replaced, privilege or translation change, trap), and its decoded entries.
        byte[] fetchPage = null;
        long[] fetchDecoded = null;
        boolean fetchHasUnits = false; // the page holds translations (block mode ends a block at every jump in it)
        long fetchVpn = -1;
        while (n < budget) {
            n++;
            int off = (int) pc & 0xfff;
            int ti;
            long[] d; // the entry is d[di] (raw word, operation, registers, length) and d[di + 1] (immediate)
            int di;
            int raw;
            if ((pc >>> 12) == fetchVpn && off <= 0xffc) {
                raw = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
                d = fetchDecoded;
                di = off;
            } else if (mmu.xTag[ti = (int) (pc >>> 12) & TLB_MASK] == ((pc >>> 12) | mmu.fetchCtx) && off <= 0xffc) {
                fetchVpn = pc >>> 12; // entered another page that the TLB maps
                fetchPage = mmu.xPage[ti];
                fetchDecoded = dc.page(mmu.xPhys[ti]);
                fetchHasUnits = ram.isCodePage(mmu.xPhys[ti]);
                raw = UNSAFE.getInt(fetchPage, Mmu.BYTE_BASE + off);
                d = fetchDecoded;
                di = off;
            } else {
                raw = mmu.fetchSlow(pc);
                if (h.trap) {
                    h.pc = pc;
                    h.traps.takePendingTrap();
                    pc = h.pc;
                    h.events = 0;
                    fetchVpn = -1;
                    continue;
                }
                ti = (int) (pc >>> 12) & TLB_MASK;
                if (mmu.xTag[ti] == ((pc >>> 12) | mmu.fetchCtx)) { // the TLB maps the page now
                    fetchVpn = pc >>> 12;
                    fetchPage = mmu.xPage[ti];
                    fetchDecoded = dc.page(mmu.xPhys[ti]);
                    fetchHasUnits = ram.isCodePage(mmu.xPhys[ti]);
                }
                if (off <= 0xffc && fetchVpn == pc >>> 12) {
                    d = fetchDecoded;
                    di = off;
                } else {
                    d = slowEntry; // an instruction across a page boundary: decoded each time, in a scratch entry
                    di = 0;
                    d[0] = ~raw & 0xffffffffL; // (never equal to raw: decode below)
                }
            }
            long e = d[di];
            // One call site, and not inlined (DecodeCache.fill is larger than C2 inlines): decoding is the rare
            // path, and inlining it crowded out the operations' own inlining in this method.
            if ((int) e != raw) e = dc.fill(d, di, raw);
            x[0] = 0;
            long next = pc + ((int) (e >>> DecodeCache.LENGTH_SHIFT) & 7);
            int rd = (int) (e >>> DecodeCache.RD_SHIFT) & 31;
            int rs1 = (int) (e >>> DecodeCache.RS1_SHIFT) & 31;
            int rs2 = (int) (e >>> DecodeCache.RS2_SHIFT) & 31;
            switch ((int) (e >>> DecodeCache.OP_SHIFT) & 0xff) {
                case DecodeCache.C_ILLEGAL:
                    h.pc = pc;
                    h.traps.raise(CAUSE_ILLEGAL_INSTRUCTION, (int) d[di + 1]);
                    pc = h.pc;
                    h.events = 0;
                    fetchVpn = -1;
                    continue;
                case DecodeCache.ILLEGAL: h.illegal((int) d[di + 1]); break;
                case DecodeCache.LUI: x[rd] = d[di + 1]; break;
                case DecodeCache.AUIPC: x[rd] = pc + d[di + 1]; break;
                case DecodeCache.JAL:
                    x[rd] = next;
                    next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits);
                    break;
                case DecodeCache.JALR: {
                    long target = (x[rs1] + d[di + 1]) & ~1L;
                    x[rd] = next;
                    next = jump(target, blockMode, fetchVpn, fetchHasUnits);
                    break;
                }
                case DecodeCache.BEQ: if (Alu.beq(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                case DecodeCache.BNE: if (Alu.bne(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                case DecodeCache.BLT: if (Alu.blt(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                case DecodeCache.BGE: if (Alu.bge(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                case DecodeCache.BLTU: if (Alu.bltu(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                case DecodeCache.BGEU: if (Alu.bgeu(x[rs1], x[rs2])) next = jump(pc + d[di + 1], blockMode, fetchVpn, fetchHasUnits); break;
                // Loads write rd only if they did not trap.
                case DecodeCache.LB: { long v = (byte) mmu.load8(x[rs1] + d[di + 1]); if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LH: { long v = (short) mmu.load16(x[rs1] + d[di + 1]); if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LW: { long v = mmu.load32(x[rs1] + d[di + 1]); if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LD: { long v = mmu.load64(x[rs1] + d[di + 1]); if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LBU: { long v = mmu.load8(x[rs1] + d[di + 1]) & 0xffL; if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LHU: { long v = mmu.load16(x[rs1] + d[di + 1]) & 0xffffL; if (!h.trap) x[rd] = v; break; }
                case DecodeCache.LWU: { long v = mmu.load32(x[rs1] + d[di + 1]) & 0xffffffffL; if (!h.trap) x[rd] = v; break; }
                case DecodeCache.SB: mmu.store8(x[rs1] + d[di + 1], (int) x[rs2]); break;
                case DecodeCache.SH: mmu.store16(x[rs1] + d[di + 1], (int) x[rs2]); break;
                case DecodeCache.SW: mmu.store32(x[rs1] + d[di + 1], (int) x[rs2]); break;
                case DecodeCache.SD: mmu.store64(x[rs1] + d[di + 1], x[rs2]); break;
                // Semantics live in Alu (shared with the translator).
                case DecodeCache.ADDI: x[rd] = Alu.add(x[rs1], d[di + 1]); break;
                case DecodeCache.SLLI: x[rd] = Alu.sll(x[rs1], d[di + 1]); break;
                case DecodeCache.SLTI: x[rd] = Alu.slt(x[rs1], d[di + 1]); break;
                case DecodeCache.SLTIU: x[rd] = Alu.sltu(x[rs1], d[di + 1]); break;
                case DecodeCache.XORI: x[rd] = Alu.xor(x[rs1], d[di + 1]); break;
                case DecodeCache.SRLI: x[rd] = Alu.srl(x[rs1], d[di + 1]); break;
                case DecodeCache.SRAI: x[rd] = Alu.sra(x[rs1], d[di + 1]); break;
                case DecodeCache.ORI: x[rd] = Alu.or(x[rs1], d[di + 1]); break;
                case DecodeCache.ANDI: x[rd] = Alu.and(x[rs1], d[di + 1]); break;
                case DecodeCache.ADD: x[rd] = Alu.add(x[rs1], x[rs2]); break;
                case DecodeCache.SUB: x[rd] = Alu.sub(x[rs1], x[rs2]); break;
                case DecodeCache.SLL: x[rd] = Alu.sll(x[rs1], x[rs2]); break;
                case DecodeCache.SLT: x[rd] = Alu.slt(x[rs1], x[rs2]); break;
                case DecodeCache.SLTU: x[rd] = Alu.sltu(x[rs1], x[rs2]); break;
                case DecodeCache.XOR: x[rd] = Alu.xor(x[rs1], x[rs2]); break;
                case DecodeCache.SRL: x[rd] = Alu.srl(x[rs1], x[rs2]); break;
                case DecodeCache.SRA: x[rd] = Alu.sra(x[rs1], x[rs2]); break;
                case DecodeCache.OR: x[rd] = Alu.or(x[rs1], x[rs2]); break;
                case DecodeCache.AND: x[rd] = Alu.and(x[rs1], x[rs2]); break;
                case DecodeCache.MUL: x[rd] = Alu.mul(x[rs1], x[rs2]); break;
                case DecodeCache.MULH: x[rd] = Alu.mulh(x[rs1], x[rs2]); break;
                case DecodeCache.MULHSU: x[rd] = Alu.mulhsu(x[rs1], x[rs2]); break;
                case DecodeCache.MULHU: x[rd] = Alu.mulhu(x[rs1], x[rs2]); break;
                case DecodeCache.DIV: x[rd] = Alu.div(x[rs1], x[rs2]); break;
                case DecodeCache.DIVU: x[rd] = Alu.divu(x[rs1], x[rs2]); break;
                case DecodeCache.REM: x[rd] = Alu.rem(x[rs1], x[rs2]); break;
                case DecodeCache.REMU: x[rd] = Alu.remu(x[rs1], x[rs2]); break;
                case DecodeCache.ADDIW: x[rd] = Alu.addw(x[rs1], d[di + 1]); break;
                case DecodeCache.SLLIW: x[rd] = Alu.sllw(x[rs1], d[di + 1]); break;
                case DecodeCache.SRLIW: x[rd] = Alu.srlw(x[rs1], d[di + 1]); break;
                case DecodeCache.SRAIW: x[rd] = Alu.sraw(x[rs1], d[di + 1]); break;
                case DecodeCache.ADDW: x[rd] = Alu.addw(x[rs1], x[rs2]); break;
                case DecodeCache.SUBW: x[rd] = Alu.subw(x[rs1], x[rs2]); break;
                case DecodeCache.SLLW: x[rd] = Alu.sllw(x[rs1], x[rs2]); break;
                case DecodeCache.SRLW: x[rd] = Alu.srlw(x[rs1], x[rs2]); break;
                case DecodeCache.SRAW: x[rd] = Alu.sraw(x[rs1], x[rs2]); break;
                case DecodeCache.MULW: x[rd] = Alu.mulw(x[rs1], x[rs2]); break;
                case DecodeCache.DIVW: x[rd] = Alu.divw(x[rs1], x[rs2]); break;
                case DecodeCache.DIVUW: x[rd] = Alu.divuw(x[rs1], x[rs2]); break;
                case DecodeCache.REMW: x[rd] = Alu.remw(x[rs1], x[rs2]); break;
                case DecodeCache.REMUW: x[rd] = Alu.remuw(x[rs1], x[rs2]); break;
                case DecodeCache.FENCE: break; // FENCE, FENCE.I: nothing to do (one memory order; decoded entries are checked against memory)
                case DecodeCache.AMO: {
                    int insn = (int) d[di + 1];
                    amo(insn, rd, rs1, Decode.funct3(insn));
                    break;
                }
                case DecodeCache.SYSTEM: {
                    int insn = (int) d[di + 1];
                    h.pc = pc;
                    next = system(insn, rd, rs1, Decode.funct3(insn), next);
                    break;
                }
                case DecodeCache.FP: {
                    int insn = (int) d[di + 1];
                    h.fp.floatingPoint(insn, rd, rs1, Decode.funct3(insn));
                    break;
                }
                default: throw new AssertionError("DecodeCache made no such operation"); // unreachable
            }
            if (h.events == 0) {
                pc = next;
                h.instret++;
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
            fetchDecoded = null;
        }
        h.pc = pc;
        x[0] = 0; // an instruction with rd = x0 may have written it; x0 reads as zero between instructions
        if ((h.events & EVENT_STOP) != 0) h.interruptCheckDue = true;
        return n;
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
                if (rs1 == 0) mmu.flushTlb(); else mmu.flushTlbPage(h.x[rs1]);
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
