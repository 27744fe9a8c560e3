package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Csr.*;
import static org.vmckpt.machine.cpu.Hart.*;

/**
 * Traps and interrupts: entering M or S mode on an exception or an interrupt, and choosing the interrupt to take.
 * State lives in {@link Hart}; this holds the behaviour.
 */
final class Traps {
    final Hart h;

    Traps(Hart h) {
        this.h = h;
    }

    // ================================================================== traps and interrupts

    void takePendingTrap() {
        h.trap = false;
        takeTrap(h.trapCause, h.trapValue, false);
    }

    /** Raises a synchronous exception at the current pc. */
    void raise(int cause, long tval) {
        takeTrap(cause, tval, false);
    }

    /** Debug aid: -Dvmckpt.traceIllegal=true prints every illegal-instruction trap (pc, privilege, bits). */
    static final boolean TRACE_ILLEGAL = Boolean.getBoolean("vmckpt.traceIllegal");

    /** With {@link JitCounts#ON}: traps taken by cause, interrupts at 16 + cause (a diagnostic's counts). */
    final long[] taken = new long[JitCounts.ON ? 32 : 0];

    void takeTrap(long cause, long tval, boolean interrupt) {
        if (JitCounts.ON) taken[(int) (cause & 15) + (interrupt ? 16 : 0)]++;
        if (TRACE_ILLEGAL && !interrupt && cause == CAUSE_ILLEGAL_INSTRUCTION) {
            System.err.printf("vmckpt: illegal instruction %08x at pc %x (priv %d)%n", tval, h.pc, h.priv);
        }
        long causeBit = 1L << cause;
        boolean toS = h.priv <= PRIV_S && ((interrupt ? h.mideleg : h.medeleg) & causeBit) != 0;
        long causeValue = interrupt ? (cause | INTERRUPT_FLAG) : cause;
        if (toS) {
            h.scause = causeValue;
            h.sepc = h.pc;
            h.stval = tval;
            h.mstatus = (h.mstatus & ~SPIE) | ((h.mstatus & SIE_BIT) != 0 ? SPIE : 0);
            h.mstatus = (h.mstatus & ~SPP) | (h.priv == PRIV_S ? SPP : 0);
            h.mstatus &= ~SIE_BIT;
            h.setPriv(PRIV_S);
            h.pc = (h.stvec & ~3L) + ((h.stvec & 1) != 0 && interrupt ? 4 * cause : 0);
        } else {
            h.mcause = causeValue;
            h.mepc = h.pc;
            h.mtval = tval;
            h.mstatus = (h.mstatus & ~MPIE) | ((h.mstatus & MIE_BIT) != 0 ? MPIE : 0);
            h.mstatus = (h.mstatus & ~MPP) | ((long) h.priv << MPP_SHIFT);
            h.mstatus &= ~MIE_BIT;
            h.setPriv(PRIV_M);
            h.pc = (h.mtvec & ~3L) + ((h.mtvec & 1) != 0 && interrupt ? 4 * cause : 0);
        }
    }

    /**
     * Takes the highest-priority interrupt that is pending, enabled and allowed at the current privilege.
     * Called by the machine between batches. Returns true if one was taken.
     */
    public boolean checkInterrupts() {
        h.interruptCheckDue = false;
        long pending = h.mip & h.mie;
        if (pending == 0) return false;
        h.waitingForInterrupt = false;
        long mLevel = pending & ~h.mideleg;
        boolean mEnabled = h.priv < PRIV_M || (h.mstatus & MIE_BIT) != 0;
        long chosen = mEnabled ? mLevel : 0;
        if (chosen == 0) {
            long sLevel = pending & h.mideleg;
            boolean sEnabled = h.priv < PRIV_S || (h.priv == PRIV_S && (h.mstatus & SIE_BIT) != 0);
            chosen = sEnabled ? sLevel : 0;
        }
        if (chosen == 0) return false;
        int cause;
        if ((chosen & Csr.MEIP) != 0) cause = 11;
        else if ((chosen & Csr.MSIP) != 0) cause = 3;
        else if ((chosen & Csr.MTIP) != 0) cause = 7;
        else if ((chosen & Csr.SEIP) != 0) cause = 9;
        else if ((chosen & Csr.SSIP) != 0) cause = 1;
        else cause = 5;
        takeTrap(cause, 0, true);
        return true;
    }

}
