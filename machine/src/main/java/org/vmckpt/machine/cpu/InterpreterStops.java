package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Hart.*;

/**
 * Why {@link InterpreterFastLoop} stops, counted (a tuning aid, {@code -Dvmckpt.interp.stopCounts=true}, off by default;
 * when off, {@link #ENABLED} is a constant false and the interpreter's calls here compile away). Counts, from instruction
 * {@link #FROM} on ({@code -Dvmckpt.interp.stopCountsFrom=N}: one phase of a run): how each run of the fast loop ended
 * (before an instruction it does not do, by the kind of that instruction; the budget; block mode's end at a jump; the
 * page's next entry), how many instructions each run retired, and how many each {@link Interpreter#interpret} call
 * retired. The kind is found afterwards from the hart's state, by the fast loop's own tests, without touching any state.
 */
final class InterpreterStops {
    static final boolean ENABLED = Boolean.getBoolean("vmckpt.interp.stopCounts");
    static final long FROM = Long.getLong("vmckpt.interp.stopCountsFrom", 0);

    /** Why a run of the fast loop ended: the first kinds are the instruction it stopped before. */
    static final int PAGE_END_16 = 0, PAGE_END_32 = 1, FETCH_TLB_MISS = 2, COMPRESSED_NOT_EXPANDED = 3,
            COMPRESSED_ILLEGAL = 4, LOAD_TLB_MISS = 5, LOAD_PAGE_END = 6, STORE_TLB_MISS = 7, STORE_PAGE_END = 8,
            MUL = 9, DIV = 10, MULW = 11, DIVW = 12, SHIFT_W = 13, CSR = 14, ECALL = 15, EBREAK = 16, XRET = 17,
            WFI = 18, SFENCE = 19, LR = 20, SC = 21, AMO = 22, FLOAT = 23, ILLEGAL = 24,
            END_BUDGET = 25, END_BLOCK = 26, END_STOP_AT = 27, END_EVENT = 28,
            BLOCK_UNMAPPED = 29, BLOCK_ENTRY = 30, BLOCK_SAMPLED = 31;
    static final String[] NAMES = {"fetch at the page's last 2 bytes (16-bit insn)", "fetch across the page end (32-bit)",
            "fetch TLB miss", "compressed, not expanded yet", "compressed, illegal", "load TLB miss",
            "load in the page's last 7 bytes", "store TLB miss (or page holds translations)", "store in the page's last 7 bytes",
            "mul/mulh*", "div/rem", "mulw", "divw/remw", "sllw/srlw/sraw", "CSR", "ecall", "ebreak", "sret/mret", "wfi",
            "sfence.vma", "lr", "sc", "amo*", "floating point", "illegal (other)",
            "ended: budget", "ended: block mode's jump end", "ended: next entry (stopAt)", "ended: other event",
            "  jump end: target's page not in fetch TLB", "  jump end: target is an entry", "  jump end: heat sample"};
    /** Run lengths by power of two: 0, 1, 2-3, 4-7, ... 2^14 and more. */
    static final int BUCKETS = 16;

    final long[] stops = new long[NAMES.length];
    /** Fast loop runs by instructions retired (bucket {@link #bucket}), and those instructions. */
    final long[] runs = new long[BUCKETS], runInsns = new long[BUCKETS];
    /** {@link Interpreter#interpret} calls (block mode: one per interpreted block) by instructions retired. */
    final long[] calls = new long[BUCKETS], callInsns = new long[BUCKETS];
    /** Instructions the general loop ran for the fast loop (one per stop before an instruction). */
    long generalInsns;
    /** CSR numbers of the CSR stops (12 bits). */
    final long[] csrs = new long[4096];
    /**
     * Writes to sstatus or mstatus among the CSR stops: [0] those that cannot set SIE or MIE (csrrc, or csrrs/csrrw with
     * neither bit in the operand), [1] those that may. Each ends the batch (CsrFile.mayEnableInterrupt) either way.
     */
    final long[] statusWrites = new long[2];
    /** Stops whose instruction, run by the general loop, ended the batch (EVENT_STOP), by kind. */
    final long[] batchEnds = new long[NAMES.length];
    /** The kind of the last stop (for {@link #general}). */
    private int lastKind = -1;

    private final Hart h;

    InterpreterStops(Hart h) {
        this.h = h;
    }

    static int bucket(int n) {
        return Math.min(BUCKETS - 1, 32 - Integer.numberOfLeadingZeros(n));
    }

    /** A run of the fast loop retired {@code ran}; {@code ended} is the kind of its end when known, else -1. */
    void fastRun(int ran, int ended) {
        if (h.instret < FROM) return;
        runs[bucket(ran)]++;
        runInsns[bucket(ran)] += ran;
        int kind = ended >= 0 ? ended : stoppedBefore();
        stops[kind]++;
        lastKind = kind;
        if (ended == END_BLOCK) stops[blockEnd()]++;
    }

    /** Why block mode handed the jump to {@code h.pc} over ({@link Interpreter#endsBlock}'s tests, in its order). */
    int blockEnd() {
        Mmu mmu = h.mmu;
        long vpn = h.pc >>> 12;
        int ti = (int) vpn & TLB_MASK;
        if (mmu.xTag[ti] != (vpn | mmu.fetchCtx)) return BLOCK_UNMAPPED;
        long[] e = h.codeCache == null ? null : h.codeCache.entries[mmu.xPhys[ti]];
        int off = (int) h.pc & 0xfff;
        return e != null && (e[off >>> 7] & (1L << (off >>> 1))) != 0 ? BLOCK_ENTRY : BLOCK_SAMPLED;
    }

    /** The general loop ran {@code n} instructions after a stop; {@code batchEnded}: the instruction ended the batch. */
    void general(int n, boolean batchEnded) {
        if (h.instret < FROM) return;
        generalInsns += n;
        if (batchEnded && lastKind >= 0) batchEnds[lastKind]++;
    }

    /** An {@link Interpreter#interpret} call retired {@code n}. */
    void call(int n) {
        if (h.instret < FROM) return;
        calls[bucket(n)]++;
        callInsns[bucket(n)] += n;
    }

    /** The kind of the instruction at {@code h.pc}, before which the fast loop stopped: its tests, in its order. */
    int stoppedBefore() {
        Mmu mmu = h.mmu;
        long pc = h.pc;
        int off = (int) pc & 0xfff;
        long vpn = pc >>> 12;
        int ti = (int) vpn & TLB_MASK;
        if (mmu.xTag[ti] != (vpn | mmu.fetchCtx)) return FETCH_TLB_MISS;
        byte[] page = mmu.xPage[ti];
        if (off > 0xffc) {
            return off == 0xffe && (UNSAFE.getShort(page, Mmu.BYTE_BASE + off) & 3) != 3 ? PAGE_END_16 : PAGE_END_32;
        }
        int insn = UNSAFE.getInt(page, Mmu.BYTE_BASE + off);
        if ((insn & 3) != 3) {
            int c = insn & 0xffff;
            if (!Compressed.expanded(c)) return COMPRESSED_NOT_EXPANDED;
            insn = Compressed.expandedOrZero(c);
            if (insn == 0) return COMPRESSED_ILLEGAL;
        }
        int funct3 = (insn >>> 12) & 7;
        int funct7 = insn >>> 25;
        switch (insn & 0x7f) {
            case 0x03: {
                long va = h.x[(insn >>> 15) & 31] + (insn >> 20);
                if (funct3 == 7) return ILLEGAL;
                if (mmu.rTag[(int) (va >>> 12) & TLB_MASK] != ((va >>> 12) | mmu.dataCtx)) return LOAD_TLB_MISS;
                return (va & 0xfff) > 0xff8 ? LOAD_PAGE_END : ILLEGAL;
            }
            case 0x23: {
                long va = h.x[(insn >>> 15) & 31] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                if (funct3 > 3) return ILLEGAL;
                if (mmu.wTag[(int) (va >>> 12) & TLB_MASK] != ((va >>> 12) | mmu.dataCtx)) return STORE_TLB_MISS;
                return (va & 0xfff) > 0xff8 ? STORE_PAGE_END : ILLEGAL;
            }
            case 0x33:
                if (funct7 == 1) return funct3 < 4 ? MUL : DIV;
                return ILLEGAL;
            case 0x3b:
                if (funct7 == 1) return funct3 == 0 ? MULW : funct3 >= 4 ? DIVW : ILLEGAL;
                if ((funct3 == 1 || funct3 == 5) && (funct7 == 0 || funct7 == 0x20)) return SHIFT_W;
                return ILLEGAL;
            case 0x73:
                if (funct3 != 0) {
                    int csr = insn >>> 20;
                    csrs[csr]++;
                    int rs1 = (insn >>> 15) & 31;
                    int op = funct3 & 3;
                    if ((csr == Csr.SSTATUS || csr == Csr.MSTATUS) && (op == 1 || rs1 != 0)) {
                        long operand = (funct3 & 4) != 0 ? rs1 : h.x[rs1];
                        boolean mayEnable = op != 3 && (operand & (Csr.SIE_BIT | Csr.MIE_BIT)) != 0;
                        statusWrites[mayEnable ? 1 : 0]++;
                    }
                    return CSR;
                }
                if (insn == 0x00000073) return ECALL;
                if (insn == 0x00100073) return EBREAK;
                if (insn == 0x30200073 || insn == 0x10200073) return XRET;
                if (insn == 0x10500073) return WFI;
                if ((funct7 == 0x09)) return SFENCE;
                return ILLEGAL;
            case 0x2f: {
                int funct5 = insn >>> 27;
                return funct5 == 2 ? LR : funct5 == 3 ? SC : AMO;
            }
            case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
                return FLOAT;
            default:
                return ILLEGAL;
        }
    }

    /** The counts as a table, for --stats. */
    String report() {
        StringBuilder sb = new StringBuilder();
        long fastInsns = 0, fastRuns = 0, nCalls = 0, nCallInsns = 0, stopped = 0;
        for (int b = 0; b < BUCKETS; b++) {
            fastInsns += runInsns[b];
            fastRuns += runs[b];
            nCalls += calls[b];
            nCallInsns += callInsns[b];
        }
        for (int k = 0; k < END_BUDGET; k++) stopped += stops[k]; // (the kinds before END_BUDGET)
        sb.append(String.format("from instruction %,d: %,d interpret calls, %,d instructions (%.1f per call); fast loop %,d runs, %,d"
                        + " instructions (%.1f per run); %,d stops before an instruction, %,d run by the general loop%n",
                FROM, nCalls, nCallInsns, nCallInsns / (double) Math.max(1, nCalls), fastRuns, fastInsns,
                fastInsns / (double) Math.max(1, fastRuns), stopped, generalInsns));
        for (int k = 0; k < NAMES.length; k++) {
            if (stops[k] == 0) continue;
            sb.append(String.format("  %-48s %,12d  %5.1f%% of runs%s%n", NAMES[k], stops[k], 100.0 * stops[k] / Math.max(1, fastRuns),
                    batchEnds[k] != 0 ? String.format(" (%,d ended the batch)", batchEnds[k]) : ""));
        }
        sb.append("  fast loop runs by instructions retired (runs / instructions):");
        for (int b = 0; b < BUCKETS; b++) {
            if (runs[b] != 0) sb.append(String.format(" [%s] %,d / %,d;", range(b), runs[b], runInsns[b]));
        }
        sb.append(String.format("%n  interpret calls by instructions retired (calls / instructions):"));
        for (int b = 0; b < BUCKETS; b++) {
            if (calls[b] != 0) sb.append(String.format(" [%s] %,d / %,d;", range(b), calls[b], callInsns[b]));
        }
        sb.append(String.format("%n  sstatus/mstatus writes: %,d that cannot set SIE/MIE, %,d that may", statusWrites[0], statusWrites[1]));
        sb.append(String.format("%n  CSR stops by CSR:"));
        for (int shown = 0; shown < 8; shown++) {
            int best = -1;
            for (int c = 0; c < csrs.length; c++) if (csrs[c] != 0 && (best < 0 || csrs[c] > csrs[best])) best = c;
            if (best < 0) break;
            sb.append(String.format(" 0x%03x %,d;", best, csrs[best]));
            csrs[best] = -csrs[best]; // (marked shown; put back below)
        }
        for (int c = 0; c < csrs.length; c++) if (csrs[c] < 0) csrs[c] = -csrs[c];
        sb.append(String.format("%n"));
        return sb.toString();
    }

    private static String range(int b) {
        if (b == 0) return "0";
        long lo = 1L << (b - 1);
        return b == BUCKETS - 1 ? lo + "+" : lo == (2 * lo - 1) ? Long.toString(lo) : lo + "-" + (2 * lo - 1);
    }
}
