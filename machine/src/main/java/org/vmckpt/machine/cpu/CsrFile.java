package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Csr.*;
import static org.vmckpt.machine.cpu.Hart.*;

/**
 * The CSR file: reads and writes of the control and status registers, with their WARL rules and the counters.
 * State lives in {@link Hart}; this holds the behaviour.
 */
final class CsrFile {
    final Hart h;

    CsrFile(Hart h) {
        this.h = h;
    }

    /**
     * A write to this CSR may make an interrupt deliverable (global or per-source enables, pending bits,
     * delegation), so the machine must check interrupts before the next instruction. Other CSR writes (sscratch,
     * sepc, stvec... written on every trap) keep the batch going.
     */
    static boolean mayEnableInterrupt(int csr) {
        switch (csr) {
            case SSTATUS: case SIE: case SIP: case MSTATUS: case MIE: case MIP: case MIDELEG:
                return true;
            default:
                return false;
        }
    }

    boolean counterAllowed(int bit) {
        if (h.priv == PRIV_M) return true;
        if ((h.mcounteren & (1L << bit)) == 0) return false;
        return h.priv == PRIV_S || (h.scounteren & (1L << bit)) != 0;
    }

    boolean fpEnabled() {
        return (h.mstatus & FS) != 0;
    }

    long read(int csr, int insn) {
        switch (csr) {
            case FFLAGS: if (!fpEnabled()) break; return h.fflags;
            case FRM: if (!fpEnabled()) break; return h.frm;
            case FCSR: if (!fpEnabled()) break; return (h.frm << 5) | h.fflags;
            case CYCLE: if (!counterAllowed(0)) break; return mcycle();
            case TIME: if (!counterAllowed(1)) break; return h.clock.mtime();
            case INSTRET: if (!counterAllowed(2)) break; return minstret();
            case SSTATUS: return readMstatus() & SSTATUS_MASK;
            case SIE: return h.mie & h.mideleg;
            case STVEC: return h.stvec;
            case SCOUNTEREN: return h.scounteren;
            case SENVCFG: return h.senvcfg;
            case SSCRATCH: return h.sscratch;
            case SEPC: return h.sepc;
            case SCAUSE: return h.scause;
            case STVAL: return h.stval;
            case SIP: return h.mip & h.mideleg;
            case SATP:
                if (h.priv == PRIV_S && (h.mstatus & TVM) != 0) break;
                return h.satp;
            case MVENDORID: case MARCHID: case MIMPID: case MCONFIGPTR: return 0;
            case MHARTID: return h.hartId;
            case MSTATUS: return readMstatus();
            case MISA: return MISA_VALUE;
            case MEDELEG: return h.medeleg;
            case MIDELEG: return h.mideleg;
            case MIE: return h.mie;
            case MTVEC: return h.mtvec;
            case MCOUNTEREN: return h.mcounteren;
            case MENVCFG: return h.menvcfg;
            case MCOUNTINHIBIT: return h.mcountinhibit;
            case MSCRATCH: return h.mscratch;
            case MEPC: return h.mepc;
            case MCAUSE: return h.mcause;
            case MTVAL: return h.mtval;
            case MIP: return h.mip;
            case MCYCLE: return mcycle();
            case MINSTRET: return minstret();
            // No triggers (debug spec, Sdtrig): tselect holds only 0, whose tdata1 reads type 0 ("no trigger at this
            // tselect") and tinfo 1 ("this trigger does not exist"); tdata1..3 ignore writes. tcontrol is absent.
            case TSELECT: case TDATA1: case TDATA2: case TDATA3: return 0;
            case TINFO: return 1;
            default:
                // Unimplemented performance counters and their event selectors read as zero.
                if ((csr >= 0xB03 && csr <= 0xB1F) || (csr >= 0x323 && csr <= 0x33F)) return 0;
                if (csr >= 0xC03 && csr <= 0xC1F) { if (!counterAllowed(csr - 0xC00)) break; return 0; }
                if (Pmp.isPmpCsr(csr)) return h.pmp.read(csr);
                break;
        }
        h.illegal(insn);
        return 0;
    }

    /** The writable envcfg bits: FIOM, and CBZE with Zicboz. */
    private long envcfgMask() {
        return h.cbozBlock != 0 ? ENVCFG_FIOM | ENVCFG_CBZE : ENVCFG_FIOM;
    }

    void write(int csr, long v, int insn) {
        switch (csr) {
            case FFLAGS: h.fflags = (int) v & 31; markFpDirty(); return;
            case FRM: h.frm = (int) v & 7; markFpDirty(); return;
            case FCSR: h.fflags = (int) v & 31; h.frm = (int) (v >>> 5) & 7; markFpDirty(); return;
            case SSTATUS: writeMstatus((h.mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK)); return;
            case SIE: h.mie = (h.mie & ~h.mideleg) | (v & h.mideleg); return;
            case STVEC: h.stvec = v & ~2L; return;
            case SCOUNTEREN: h.scounteren = v & 0xffffffffL; return;
            case SENVCFG: h.senvcfg = v & envcfgMask(); return;
            case SSCRATCH: h.sscratch = v; return;
            case SEPC: h.sepc = v & ~1L; return;
            case SCAUSE: h.scause = v; return;
            case STVAL: h.stval = v; return;
            case SIP: h.mip = (h.mip & ~(h.mideleg & SSIP)) | (v & h.mideleg & SSIP); return;
            case SATP: {
                if (h.priv == PRIV_S && (h.mstatus & TVM) != 0) break;
                long mode = v >>> 60;
                if (mode != 0 && mode != 8 && mode != 9) return; // unsupported mode: the write has no effect
                Mmu m = h.mmu;
                if (m.asidBits == 0) {
                    h.satp = v & ((0xfL << 60) | Mmu.PPN_MASK);           // no ASID bits: ASIDLEN = 0
                    m.flushTlb();
                } else {
                    // ASIDLEN = asidBits (-Dvmckpt.mmu.asids): the write keeps the TLB, whose tags carry the ASID
                    h.satp = v & ((0xfL << 60) | m.satpAsidField | Mmu.PPN_MASK);
                    m.satpWritten();
                }
                m.updateContexts();
                return;
            }
            case MSTATUS: writeMstatus(v); return;
            case MISA: return; // fixed
            case MEDELEG: h.medeleg = v & 0xb3ff; return; // not ecall-from-M (11), reserved 10, 14
            case MIDELEG: h.mideleg = v & S_INTERRUPTS; return;
            case MIE: h.mie = v & ALL_INTERRUPTS; return;
            case MTVEC: h.mtvec = v & ~2L; return;
            case MCOUNTEREN: h.mcounteren = v & 0xffffffffL; return;
            case MENVCFG: h.menvcfg = v & envcfgMask(); return;
            case MCOUNTINHIBIT: writeCountInhibit(v & 5); return;
            case MSCRATCH: h.mscratch = v; return;
            case MEPC: h.mepc = v & ~1L; return;
            case MCAUSE: h.mcause = v; return;
            case MTVAL: h.mtval = v; return;
            case MIP: h.mip = (h.mip & ~(SSIP | STIP)) | (v & (SSIP | STIP)); return;
            case MCYCLE:
                if ((h.mcountinhibit & 1) != 0) h.cycleFrozen = v; else h.cycleOffset = v - (h.instret + 1);
                return;
            case MINSTRET:
                if ((h.mcountinhibit & 4) != 0) h.instretFrozen = v; else h.instretOffset = v - (h.instret + 1);
                return;
            case TSELECT: case TDATA1: case TDATA2: case TDATA3: case TINFO: return;
            default:
                if ((csr >= 0xB03 && csr <= 0xB1F) || (csr >= 0x323 && csr <= 0x33F)) return;
                if (Pmp.isPmpCsr(csr)) {
                    h.pmp.write(csr, v);
                    h.mmu.flushTlb(); // cached pages were judged under the old entries
                    return;
                }
                break;
        }
        h.illegal(insn);
    }

    /*
     * Counters. The guest's mcycle and minstret both count retired instructions (one cycle per instruction), as an
     * offset from the hart's instret, or hold still while their mcountinhibit bit (CY, IR) is set. A CSR instruction
     * that changes them takes effect from the next instruction: a value written is what the next instruction reads
     * (the writing instruction does not count, as the spec requires for minstret), and an inhibit bit
     * applies after the instruction that sets or clears it.
     */

    long mcycle() {
        return (h.mcountinhibit & 1) != 0 ? h.cycleFrozen : h.instret + h.cycleOffset;
    }

    long minstret() {
        return (h.mcountinhibit & 4) != 0 ? h.instretFrozen : h.instret + h.instretOffset;
    }

    void writeCountInhibit(long v) {
        long changed = h.mcountinhibit ^ v;
        if ((changed & 1) != 0) {
            if ((v & 1) != 0) h.cycleFrozen = h.instret + 1 + h.cycleOffset; else h.cycleOffset = h.cycleFrozen - (h.instret + 1);
        }
        if ((changed & 4) != 0) {
            if ((v & 4) != 0) h.instretFrozen = h.instret + 1 + h.instretOffset; else h.instretOffset = h.instretFrozen - (h.instret + 1);
        }
        h.mcountinhibit = v;
    }

    long readMstatus() {
        long s = h.mstatus;
        if ((s & FS) == FS) s |= SD;
        return s;
    }

    void writeMstatus(long v) {
        long m = (h.mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if (((m & MPP) >>> MPP_SHIFT) == 2) m &= ~MPP; // reserved MPP value: keep legal
        h.mstatus = m & ~SD;
        h.mmu.updateContexts();
    }

    void markFpDirty() {
        h.mstatus |= FS;
    }

}
