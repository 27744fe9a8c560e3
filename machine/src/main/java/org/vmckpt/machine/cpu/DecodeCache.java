package org.vmckpt.machine.cpu;

/**
 * The interpreter's decoded-instruction cache: each instruction is decoded once (compressed expansion, operation,
 * register fields, immediate) into a pair of longs, and the interpreter's loop runs it from that form.
 *
 * <p><b>Never stale, by construction.</b> An entry holds the raw 32-bit word it was decoded from, and the
 * interpreter compares it with the word it fetches before it uses the entry; decoding is a pure function of
 * that word. So a store by the guest, a device's DMA, a restore, a reset, a lazy page load, a page remapped under
 * the same virtual address or a satp/privilege change can never make the interpreter run an instruction other
 * than the one in memory now, and the cache needs no invalidation hook, no {@code fence.i} and no flush: a
 * changed word is simply decoded again. (The word is still fetched from the page that the fetch TLB maps, as
 * before; what the cache saves is the decoding, not the fetch.)
 *
 * <p><b>Layout.</b> One {@code long[4096]} per cached page: the entry of the instruction at page offset
 * {@code off} (always even) is {@code [off]} (the raw word, the operation, rd, rs1, rs2, the length) and
 * {@code [off + 1]} (the immediate, or the whole 32-bit instruction for the operations that decode further:
 * {@link #ILLEGAL}, {@link #AMO}, {@link #SYSTEM}, {@link #FP}; the 16-bit parcel for {@link #C_ILLEGAL}).
 * A zero entry is the decoding of the all-zero word (an illegal compressed instruction with a zero parcel), so
 * a fresh page needs no initialisation.
 *
 * <p><b>Bound.</b> {@link #SLOTS} arrays of 32 KiB, chosen by physical page number modulo {@link #SLOTS}
 * (direct-mapped, no tags: a page that shares a slot with another finds entries of other words and decodes
 * again). At most {@link #SLOTS} x 32 KiB = 16 MiB per hart, allocated as pages are first fetched from. Not part of any
 * checkpoint: it is a cache.
 */
public final class DecodeCache {
    /** Cached pages (a power of two). The default guest's boot runs code from about 1,100 physical pages. */
    static final int SLOTS = 512;
    static final int ENTRY_LONGS = 4096;

    // Operations, the interpreter's switch labels. 0 must be C_ILLEGAL (see the class comment).
    static final int C_ILLEGAL = 0, ILLEGAL = 1, LUI = 2, AUIPC = 3, JAL = 4, JALR = 5,
            BEQ = 6, BNE = 7, BLT = 8, BGE = 9, BLTU = 10, BGEU = 11,
            LB = 12, LH = 13, LW = 14, LD = 15, LBU = 16, LHU = 17, LWU = 18,
            SB = 19, SH = 20, SW = 21, SD = 22,
            ADDI = 23, SLLI = 24, SLTI = 25, SLTIU = 26, XORI = 27, SRLI = 28, SRAI = 29, ORI = 30, ANDI = 31,
            ADD = 32, SUB = 33, SLL = 34, SLT = 35, SLTU = 36, XOR = 37, SRL = 38, SRA = 39, OR = 40, AND = 41,
            MUL = 42, MULH = 43, MULHSU = 44, MULHU = 45, DIV = 46, DIVU = 47, REM = 48, REMU = 49,
            ADDIW = 50, SLLIW = 51, SRLIW = 52, SRAIW = 53,
            ADDW = 54, SUBW = 55, SLLW = 56, SRLW = 57, SRAW = 58,
            MULW = 59, DIVW = 60, DIVUW = 61, REMW = 62, REMUW = 63,
            FENCE = 64, AMO = 65, SYSTEM = 66, FP = 67;

    static final int OP_SHIFT = 32, RD_SHIFT = 40, RS1_SHIFT = 46, RS2_SHIFT = 52;
    /** The instruction's length in bytes (2 or 4) sits at this bit of the first long: pc + length without a branch. */
    static final int LENGTH_SHIFT = 58;
    static final long COMPRESSED = 2L << LENGTH_SHIFT, UNCOMPRESSED = 4L << LENGTH_SHIFT;

    private final long[][] slots = new long[SLOTS][];
    /** Pages allocated and entries decoded (for tests and --stats; a decode is the slow path, so counting is free). */
    long pagesAllocated;
    long decodes;

    /**
     * Counters for --stats and tests.
     *
     * @param pagesAllocated entry arrays allocated (at most {@link #SLOTS})
     * @param decodes        instructions decoded: first sight, a changed word, or a page sharing a slot
     */
    public record Stats(long pagesAllocated, long decodes) { }

    public Stats stats() {
        return new Stats(pagesAllocated, decodes);
    }

    /** The entry array for physical page {@code pageIndex}, allocated on first use. */
    long[] page(int pageIndex) {
        int s = pageIndex & (SLOTS - 1);
        long[] p = slots[s];
        if (p == null) {
            p = new long[ENTRY_LONGS];
            slots[s] = p;
            pagesAllocated++;
        }
        return p;
    }

    /**
     * Decodes {@code raw} (the 32-bit word fetched at the pc) into {@code d[i]} and {@code d[i + 1]}; returns
     * {@code d[i]}. Written as one method larger than C2's inlining limit for hot calls (FreqInlineSize, 325
     * bytecode bytes), so that it stays out of the interpreter's loop: it runs for about one instruction in a
     * thousand.
     */
    long fill(long[] d, int i, int raw) {
        decodes++;
        int insn = raw;
        long e0 = raw & 0xffffffffL;
        if ((raw & 3) != 3) {
            insn = Compressed.expandCached(raw & 0xffff);
            e0 |= COMPRESSED;
        } else {
            e0 |= UNCOMPRESSED;
        }
        long e1;
        if (insn == 0) {
            e1 = raw & 0xffff; // C_ILLEGAL (operation 0): the parcel is the trap value
        } else {
            int op = operation(insn);
            e0 |= ((long) op << OP_SHIFT) | ((long) Decode.rd(insn) << RD_SHIFT)
                    | ((long) Decode.rs1(insn) << RS1_SHIFT) | ((long) Decode.rs2(insn) << RS2_SHIFT);
            switch (op) {
                case LUI: case AUIPC: e1 = Decode.immU(insn); break;
                case JAL: e1 = Decode.immJ(insn); break;
                case BEQ: case BNE: case BLT: case BGE: case BLTU: case BGEU: e1 = Decode.immB(insn); break;
                case SB: case SH: case SW: case SD: e1 = Decode.immS(insn); break;
                case ILLEGAL: case AMO: case SYSTEM: case FP: e1 = insn; break;
                // jalr, loads, OP-IMM, OP-IMM-32 (shift amounts unmasked, as Alu wants them)
                case JALR: case LB: case LH: case LW: case LD: case LBU: case LHU: case LWU:
                case ADDI: case SLLI: case SLTI: case SLTIU: case XORI: case SRLI: case SRAI: case ORI: case ANDI:
                case ADDIW: case SLLIW: case SRLIW: case SRAIW:
                    e1 = Decode.immI(insn); break;
                default: e1 = 0; // register-register operations, fence
            }
        }
        d[i + 1] = e1;
        d[i] = e0;
        return e0;
    }

    /**
     * The operation a 32-bit instruction performs in the interpreter: the same case analysis the interpreter's
     * nested switches made on opcode, funct3 and funct7, done once. What it does not name is {@link #ILLEGAL}.
     */
    static int operation(int insn) {
        int f3 = Decode.funct3(insn);
        int f7 = insn >>> 25;
        switch (Decode.opcode(insn)) {
            case 0x37: return LUI;
            case 0x17: return AUIPC;
            case 0x6f: return JAL;
            case 0x67: return JALR;
            case 0x63:
                switch (f3) {
                    case 0: return BEQ;
                    case 1: return BNE;
                    case 4: return BLT;
                    case 5: return BGE;
                    case 6: return BLTU;
                    case 7: return BGEU;
                    default: return ILLEGAL;
                }
            case 0x03:
                return f3 == 7 ? ILLEGAL : LB + f3; // LB LH LW LD LBU LHU LWU
            case 0x23:
                return f3 > 3 ? ILLEGAL : SB + f3;
            case 0x13:
                switch (f3) {
                    case 0: return ADDI;
                    case 1: return SLLI;
                    case 2: return SLTI;
                    case 3: return SLTIU;
                    case 4: return XORI;
                    case 5: return (insn & 0x40000000) != 0 ? SRAI : SRLI;
                    case 6: return ORI;
                    default: return ANDI;
                }
            case 0x1b:
                switch (f3) {
                    case 0: return ADDIW;
                    case 1: return SLLIW;
                    case 5: return (insn & 0x40000000) != 0 ? SRAIW : SRLIW;
                    default: return ILLEGAL;
                }
            case 0x33:
                if (f7 == 0) {
                    switch (f3) {
                        case 0: return ADD;
                        case 1: return SLL;
                        case 2: return SLT;
                        case 3: return SLTU;
                        case 4: return XOR;
                        case 5: return SRL;
                        case 6: return OR;
                        default: return AND;
                    }
                }
                if (f7 == 0x20) return f3 == 0 ? SUB : f3 == 5 ? SRA : ILLEGAL;
                if (f7 == 1) return MUL + f3; // MUL MULH MULHSU MULHU DIV DIVU REM REMU
                return ILLEGAL;
            case 0x3b:
                if (f7 == 0) return f3 == 0 ? ADDW : f3 == 1 ? SLLW : f3 == 5 ? SRLW : ILLEGAL;
                if (f7 == 0x20) return f3 == 0 ? SUBW : f3 == 5 ? SRAW : ILLEGAL;
                if (f7 == 1) {
                    switch (f3) {
                        case 0: return MULW;
                        case 4: return DIVW;
                        case 5: return DIVUW;
                        case 6: return REMW;
                        case 7: return REMUW;
                        default: return ILLEGAL;
                    }
                }
                return ILLEGAL;
            case 0x0f: return f3 > 1 ? ILLEGAL : FENCE;
            case 0x2f: return AMO;
            case 0x73: return SYSTEM;
            case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53: return FP;
            default: return ILLEGAL;
        }
    }
}
