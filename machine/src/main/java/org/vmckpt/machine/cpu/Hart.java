package org.vmckpt.machine.cpu;

import org.vmckpt.machine.Bus;
import org.vmckpt.machine.device.Clock;
import org.vmckpt.machine.device.InterruptSink;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.MemoryObserver;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

import static org.vmckpt.machine.cpu.Csr.*;

/**
 * One RV64IMAFDC hart with M, S and U modes, an Sv39/Sv48 MMU and a software TLB that maps guest pages
 * straight to host arrays.
 *
 * <p>Hot path rules: {@link #run(int)} fetches, decodes and executes with no allocation and no exceptions.
 * A guest trap is a flag ({@link #trap}) set by the slow path and checked once per instruction.
 *
 * <p>TLB tags carry the translation context (effective privilege, SUM, MXR, bare or paged) in bits 52..63,
 * so privilege changes never flush the TLB; only {@code satp} writes, {@code sfence.vma} and PMP CSR writes do
 * (PMP is checked when an entry is filled: {@link #translate}, {@link Pmp}). A write
 * entry exists only for a page that {@link GuestMemory#pageForWrite} has marked dirty in the current epoch.
 */
public final class Hart implements Snapshottable, InterruptSink, MemoryObserver {
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Translated code reads and writes page arrays with it (see Translator); x86-64 and aarch64 hosts are little-endian. */
    static final sun.misc.Unsafe UNSAFE = unsafe();

    private static sun.misc.Unsafe unsafe() {
        try {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final int TLB_BITS = 10;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    static final int TLB_MASK = TLB_SIZE - 1;

    static final int ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2;

    public static final int PRIV_U = 0, PRIV_S = 1, PRIV_M = 3;

    public static final long MISA_VALUE = (2L << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

    public final int hartId;
    private final Bus bus;
    private final GuestMemory ram;
    private final Clock clock;
    private EcallHandler firmware;

    // ------------------------------------------------------------------ architectural state
    public final long[] x = new long[32];
    public final long[] f = new long[32];
    public long pc;
    public int priv = PRIV_M;
    public long instret;
    long mstatus = (2L << 32) | (2L << 34);
    long medeleg, mideleg, mie, mip, mtvec, mscratch, mepc, mcause, mtval, mcounteren, menvcfg, mcountinhibit;
    long stvec, sscratch, sepc, scause, stval, scounteren, senvcfg, satp;
    int frm, fflags;
    long reservation = -1;
    boolean waitingForInterrupt;
    /**
     * The last batch ended on an event that may enable an interrupt (CSR write, xRET, WFI, device store):
     * the machine must check interrupts now. Saved with the hart so that deterministic runs check at the
     * same instruction counts whether or not they were checkpointed in between.
     */
    boolean interruptCheckDue;

    /**
     * mcycle and minstret as the guest sees them: {@code instret + offset} while counting, the frozen value while
     * mcountinhibit stops them. The hart's own {@link #instret} (determinism, instruction limits) never changes.
     */
    long cycleOffset, instretOffset, cycleFrozen, instretFrozen;
    /** Physical memory protection, checked when a TLB entry is filled ({@link #translate}). */
    final Pmp pmp = new Pmp();

    final FloatUnit fpu = new FloatUnit();

    // ------------------------------------------------------------------ trap signalling (no exceptions)
    boolean trap;
    long trapCause;
    long trapValue;
    /**
     * What the run loop must look at after the current instruction, so that it tests one field per instruction:
     * a pending trap ({@link #EVENT_TRAP}), the end of the batch ({@link #EVENT_STOP}: CSR writes, WFI, MMIO
     * stores...) or a change that may make its cached fetch page stale ({@link #EVENT_FETCH_STALE}).
     */
    int events;
    static final int EVENT_TRAP = 1, EVENT_STOP = 2, EVENT_FETCH_STALE = 4, EVENT_BLOCK_END = 8;

    // ------------------------------------------------------------------ TLB
    final long[] rTag = new long[TLB_SIZE];
    final byte[][] rPage = new byte[TLB_SIZE][];
    private final int[] rPhys = new int[TLB_SIZE];
    final long[] wTag = new long[TLB_SIZE];
    final byte[][] wPage = new byte[TLB_SIZE][];
    private final int[] wPhys = new int[TLB_SIZE];
    final long[] xTag = new long[TLB_SIZE];
    private final byte[][] xPage = new byte[TLB_SIZE][];
    final int[] xPhys = new int[TLB_SIZE];
    /** Translation context of data accesses and of fetches, already shifted to bits 52..63 of a tag. */
    long dataCtx;
    long fetchCtx;
    /** Advances whenever fetch translation may have changed (context change, TLB flush): units must leave. */
    private int contextEpoch;
    /** Level of the leaf PTE the last successful {@link #translate} used (0 = 4 KiB page or no translation). */
    private int lastLeafLevel;
    /**
     * The 1 GiB regions ({@code va >> 30}) holding TLB entries cut from superpages since the last full flush. A
     * single-page sfence.vma inside one of them must drop every piece of the superpage, so it flushes all.
     */
    private final long[] superpageRegions = new long[4];
    private int superpageRegionCount;
    private boolean superpageRegionsOverflowed;

    private final long[] mmioResult = new long[1];

    // ------------------------------------------------------------------ translated code (see Translator)
    /** The translations, or null when this hart only interprets ({@code --cpu interp}). */
    private CodeCache codeCache;
    /** A translated unit is running: device accesses are left to the interpreter (exact instret, exact order). */
    private boolean inUnit;
    /**
     * The running unit must leave before its current instruction: a trap is pending, the access reached a
     * device, or a page holding translations was written. Read by the generated code after every memory access.
     */
    boolean unitExit;

    public Hart(int hartId, Bus bus, Clock clock) {
        this.hartId = hartId;
        this.bus = bus;
        this.ram = bus.ram();
        this.clock = clock;
        ram.addObserver(this);
        flushTlb();
        updateContexts();
    }

    public void setFirmware(EcallHandler firmware) {
        this.firmware = firmware;
    }

    public Bus bus() {
        return bus;
    }

    // ================================================================== run loop

    /** Times every unit call (a tuning aid: costs two clock reads per call, so off unless asked for). */
    static final boolean PROFILE_UNITS = Boolean.getBoolean("vmckpt.jit.profile");

    /** Runs translated code where there is some (the default), or only the interpreter. */
    public void setTranslation(boolean enabled) {
        // Translated code accesses guest memory with the host's byte order (Unsafe): little-endian hosts only.
        enabled &= ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        if (enabled == (codeCache != null)) return;
        if (codeCache != null) codeCache.flush();
        codeCache = enabled ? new CodeCache(ram) : null;
    }

    /**
     * The heat an entry point needs before it is translated (default {@link CodeCache#HOT_THRESHOLD}); tests set it
     * low so that almost everything is translated.
     */
    public void setTranslationThreshold(int heat) {
        if (codeCache != null) codeCache.hotThreshold = Math.max(1, heat);
    }

    public boolean translationEnabled() {
        return codeCache != null;
    }

    /** With -Dvmckpt.jit.profile=true: the units that took the most time, for tuning the translator; else null. */
    public String translationProfile() {
        return PROFILE_UNITS && codeCache != null ? codeCache.profile() : null;
    }

    /** The translator's counters, or null when it is off. */
    public CodeCache.Stats translationStats() {
        return codeCache == null ? null : codeCache.stats();
    }

    /**
     * Executes up to {@code budget} instructions, returning early when an instruction needs the machine's
     * attention (CSR write, WFI, device store). Returns the number of instructions attempted (a trap counts).
     *
     * <p>The dispatcher: at every block boundary it looks for a translated unit at the pc (through the fetch TLB
     * and the {@link CodeCache}); if there is one and its first block fits in what is left of the budget, the
     * unit runs, else the interpreter runs one block. The tail of a budget always fits one of the two, so the
     * count of retired instructions is exact: a unit never crosses the budget.
     */
    public int run(int budget) {
        CodeCache cc = codeCache;
        if (cc == null) return interpret(budget, false);
        int n = 0;
        while (n < budget) {
            TranslatedUnit u = cc.lookup(this, pc);
            if (u == null || u.entryBlockLength > budget - n || !u.compiled && !cc.ready(u, this)) {
                n += interpret(budget - n, true);
                if ((events & EVENT_STOP) != 0) break;
                continue;
            }
            events = 0;
            unitExit = false;
            inUnit = true;
            long tStart = PROFILE_UNITS ? System.nanoTime() : 0;
            int retired = u.run(this, budget - n);
            if (PROFILE_UNITS) { u.profNanos += System.nanoTime() - tStart; u.profRuns++; u.profInsns += retired; }
            inUnit = false;
            cc.unitRuns++;
            instret += retired;
            cc.translatedInstructionsRun += retired;
            n += retired;
            if (unitExit) {
                unitExit = false;
                if (trap) {
                    takePendingTrap();
                    n++; // the attempt counts, as in the interpreter: an endless trap loop still ends the budget
                } else {
                    // A device access or a write to translated code: the unit left before that instruction, and its
                    // block fitted the budget, so there is room for the interpreter to run it (n < budget here).
                    cc.deferrals++;
                    n += interpret(budget - n, true);
                }
            } else if (retired == 0) {
                n++; // an instruction run for the unit by the interpreter (execOne) trapped first thing
            }
            if ((events & EVENT_STOP) != 0) {
                interruptCheckDue = true;
                break;
            }
        }
        return n;
    }

    /**
     * Runs the one instruction at {@code pc} (of {@code len} bytes) in the interpreter, for a translated unit
     * that has retired {@code retiredBefore} instructions so far (so that counters read exact values). Returns
     * -1 if the unit may go on (retired, no event, pc is the next instruction), 1 if it must leave after this
     * instruction (pc is where to go on), 0 if it must leave without retiring it (a trap was taken).
     */
    int execOne(long pc, int len, int retiredBefore) {
        long base = instret;
        instret = base + retiredBefore;
        int epoch = contextEpoch;
        this.pc = pc;
        inUnit = false;
        interpret(1, false);
        inUnit = true;
        boolean retired = instret != base + retiredBefore;
        instret = base;
        boolean codeWritten = unitExit;
        unitExit = false;
        if (!retired) return 0;
        if (codeWritten || events != 0 || epoch != contextEpoch || this.pc != pc + len) return 1;
        return -1;
    }

    /** One in this many jumps to pages without translations is handed to the dispatcher (which counts heat). */
    static final int HEAT_SAMPLE = 16;
    private int heatTick;

    /**
     * Block mode: whether the interpreter hands a jump to {@code target} to the dispatcher. Always where a unit may
     * start (a page holding translations, or a page the fetch TLB does not map yet); elsewhere only one jump in
     * {@link #HEAT_SAMPLE}, so that code nobody translated runs at the interpreter's own speed while the
     * dispatcher still sees enough of it to find what is hot.
     */
    private boolean endsBlock(long target) {
        long vpn = target >>> 12;
        int ti = (int) vpn & TLB_MASK;
        if (xTag[ti] != (vpn | fetchCtx) || ram.isCodePage(xPhys[ti])) return true;
        return (++heatTick & (HEAT_SAMPLE - 1)) == 0;
    }

    /**
     * The interpreter: executes up to {@code budget} instructions. In block mode (under the dispatcher) it also
     * stops after a jump or taken branch, where a translated unit may start.
     */
    private int interpret(int budget, boolean blockMode) {
        final long[] x = this.x;
        long pc = this.pc;
        int n = 0;
        events = 0;
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
                insn = (int) INT.get(fetchPage, off);
            } else if (xTag[ti = (int) (pc >>> 12) & TLB_MASK] == ((pc >>> 12) | fetchCtx) && off <= 0xffc) {
                fetchVpn = pc >>> 12; // entered another page that the TLB maps
                fetchPage = xPage[ti];
                insn = (int) INT.get(fetchPage, off);
            } else {
                insn = fetchSlow(pc);
                if (trap) {
                    this.pc = pc;
                    takePendingTrap();
                    pc = this.pc;
                    events = 0;
                    fetchVpn = -1;
                    continue;
                }
                ti = (int) (pc >>> 12) & TLB_MASK;
                if (xTag[ti] == ((pc >>> 12) | fetchCtx)) {
                    fetchVpn = pc >>> 12;
                    fetchPage = xPage[ti];
                }
            }
            if ((insn & 3) != 3) {
                int c = insn & 0xffff;
                insn = Compressed.expandCached(c);
                len = 2;
                if (insn == 0) {
                    this.pc = pc;
                    raise(CAUSE_ILLEGAL_INSTRUCTION, c);
                    pc = this.pc;
                    events = 0;
                    fetchVpn = -1;
                    continue;
                }
            }
            x[0] = 0;
            long next = pc + len;
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
                    long imm = Decode.immJ(insn);
                    x[rd] = next;
                    next = pc + imm;
                    if (blockMode && endsBlock(next)) events |= EVENT_BLOCK_END;
                    break;
                }
                case 0x67: { // JALR
                    long target = (x[rs1] + (insn >> 20)) & ~1L;
                    x[rd] = next;
                    next = target;
                    if (blockMode && endsBlock(next)) events |= EVENT_BLOCK_END;
                    break;
                }
                case 0x63: { // branches
                    long a = x[rs1];
                    long b = x[(insn >>> 20) & 31];
                    boolean taken;
                    switch (funct3) {
                        case 0: taken = Alu.beq(a, b); break;
                        case 1: taken = Alu.bne(a, b); break;
                        case 4: taken = Alu.blt(a, b); break;
                        case 5: taken = Alu.bge(a, b); break;
                        case 6: taken = Alu.bltu(a, b); break;
                        case 7: taken = Alu.bgeu(a, b); break;
                        default: illegal(insn); taken = false;
                    }
                    if (taken) {
                        next = pc + Decode.immB(insn);
                        if (blockMode && endsBlock(next)) events |= EVENT_BLOCK_END;
                    }
                    break;
                }
                case 0x03: { // loads
                    long va = x[rs1] + (insn >> 20);
                    long v;
                    switch (funct3) {
                        case 0: v = (byte) load8(va); break;
                        case 1: v = (short) load16(va); break;
                        case 2: v = load32(va); break;
                        case 3: v = load64(va); break;
                        case 4: v = load8(va) & 0xffL; break;
                        case 5: v = load16(va) & 0xffffL; break;
                        case 6: v = load32(va) & 0xffffffffL; break;
                        default: illegal(insn); v = 0;
                    }
                    if (!trap) x[rd] = v;
                    break;
                }
                case 0x23: { // stores
                    long va = x[rs1] + Decode.immS(insn);
                    long v = x[(insn >>> 20) & 31];
                    switch (funct3) {
                        case 0: store8(va, (int) v); break;
                        case 1: store16(va, (int) v); break;
                        case 2: store32(va, (int) v); break;
                        case 3: store64(va, v); break;
                        default: illegal(insn);
                    }
                    break;
                }
                case 0x13: // OP-IMM
                    x[rd] = opImm(insn, funct3, x[rs1]);
                    break;
                case 0x33: // OP
                    x[rd] = op(insn, funct3, x[rs1], x[(insn >>> 20) & 31]);
                    break;
                case 0x1b: // OP-IMM-32
                    x[rd] = opImm32(insn, funct3, x[rs1]);
                    break;
                case 0x3b: // OP-32
                    x[rd] = op32(insn, funct3, x[rs1], x[(insn >>> 20) & 31]);
                    break;
                case 0x0f: // FENCE, FENCE.I: nothing to do (no decoded-code cache; single memory order)
                    if (funct3 > 1) illegal(insn);
                    break;
                case 0x2f:
                    amo(insn, rd, rs1, funct3);
                    break;
                case 0x73:
                    this.pc = pc;
                    next = system(insn, rd, rs1, funct3, next);
                    break;
                case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53:
                    floatingPoint(insn, rd, rs1, funct3);
                    break;
                default:
                    illegal(insn);
            }
            if (events == 0) {
                pc = next;
                instret++;
                continue;
            }
            if (trap) {
                this.pc = pc;
                takePendingTrap();
                pc = this.pc;
            } else {
                pc = next;
                instret++;
            }
            if ((events & (EVENT_STOP | EVENT_BLOCK_END)) != 0) break;
            events = 0;
            fetchVpn = -1;
            fetchPage = null;
        }
        this.pc = pc;
        x[0] = 0; // an instruction with rd = x0 may have written it; x0 reads as zero between instructions
        if ((events & EVENT_STOP) != 0) interruptCheckDue = true;
        return n;
    }

    /** Ends the batch after the current instruction (its effects need the machine's attention). */
    private void stopBatch() {
        events |= EVENT_STOP;
    }

    public boolean isWaitingForInterrupt() {
        return waitingForInterrupt;
    }

    /** True if the machine should check interrupts before the next batch (see {@link #interruptCheckDue}). */
    public boolean interruptCheckDue() {
        return interruptCheckDue;
    }

    // ================================================================== integer operations

    // Semantics live in Alu (shared with the translator); Decode.aluOperation names the same operation per encoding.

    private static long opImm(int insn, int funct3, long a) {
        long imm = insn >> 20;
        switch (funct3) {
            case 0: return Alu.add(a, imm);
            case 1: return Alu.sll(a, imm);
            case 2: return Alu.slt(a, imm);
            case 3: return Alu.sltu(a, imm);
            case 4: return Alu.xor(a, imm);
            case 5: return (insn & 0x40000000) != 0 ? Alu.sra(a, imm) : Alu.srl(a, imm);
            case 6: return Alu.or(a, imm);
            default: return Alu.and(a, imm);
        }
    }

    private long op(int insn, int funct3, long a, long b) {
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
        return illegalKeepingRd(insn);
    }

    /**
     * Raises illegal-instruction for an ALU encoding and returns rd's current value, which the caller writes back:
     * a trapping instruction leaves rd unchanged, and the hot path needs no test of its own.
     */
    private long illegalKeepingRd(int insn) {
        illegal(insn);
        return x[(insn >>> 7) & 31];
    }

    private long opImm32(int insn, int funct3, long a) {
        long imm = insn >> 20;
        switch (funct3) {
            case 0: return Alu.addw(a, imm);
            case 1: return Alu.sllw(a, imm);
            case 5: return (insn & 0x40000000) != 0 ? Alu.sraw(a, imm) : Alu.srlw(a, imm);
            default: return illegalKeepingRd(insn);
        }
    }

    private long op32(int insn, int funct3, long a, long b) {
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
        return illegalKeepingRd(insn);
    }

    // ================================================================== memory access: fast paths

    int load8(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (rTag[i] == ((va >>> 12) | dataCtx)) return rPage[i][(int) va & 0xfff];
        return (int) loadSlow(va, 1);
    }

    int load16(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffe) return (short) SHORT.get(rPage[i], off);
        return (int) loadSlow(va, 2);
    }

    int load32(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffc) return (int) INT.get(rPage[i], off);
        return (int) loadSlow(va, 4);
    }

    long load64(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xff8) return (long) LONG.get(rPage[i], off);
        return loadSlow(va, 8);
    }

    void store8(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (wTag[i] == ((va >>> 12) | dataCtx)) {
            wPage[i][(int) va & 0xfff] = (byte) v;
            return;
        }
        storeSlow(va, v, 1);
    }

    void store16(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffe) {
            SHORT.set(wPage[i], off, (short) v);
            return;
        }
        storeSlow(va, v, 2);
    }

    void store32(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffc) {
            INT.set(wPage[i], off, v);
            return;
        }
        storeSlow(va, v, 4);
    }

    void store64(long va, long v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xff8) {
            LONG.set(wPage[i], off, v);
            return;
        }
        storeSlow(va, v, 8);
    }

    // ================================================================== memory access: slow paths

    private long loadSlow(long va, int size) {
        int off = (int) va & 0xfff;
        if (off + size > 4096) {
            // Misaligned access crossing a page: byte by byte, each byte translated on its own.
            long v = 0;
            for (int k = 0; k < size; k++) {
                long b = loadSlow(va + k, 1);
                if (trap) return 0;
                v |= (b & 0xff) << (8 * k);
            }
            return v;
        }
        long pa = translate(va, ACCESS_READ);
        if (trap) return 0;
        int idx = ram.pageIndexOf(pa);
        if (idx >= 0) {
            byte[] page = ram.pageForRead(idx);
            int i = (int) (va >>> 12) & TLB_MASK;
            rTag[i] = (va >>> 12) | dataCtx;
            rPage[i] = page;
            rPhys[i] = idx;
            if (lastLeafLevel > 0) noteSuperpage(va);
            return readArray(page, off, size);
        }
        if (inUnit) { // a device read inside translated code: leave it to the interpreter (exact instret)
            unitExit = true;
            return 0;
        }
        if ((pa & (size - 1)) == 0 && bus.mmioRead(pa, size, mmioResult)) {
            long v = mmioResult[0];
            switch (size) {
                case 1: return (byte) v;
                case 2: return (short) v;
                case 4: return (int) v;
                default: return v;
            }
        }
        return fault(CAUSE_LOAD_ACCESS, va);
    }

    private static long readArray(byte[] page, int off, int size) {
        switch (size) {
            case 1: return page[off];
            case 2: return (short) SHORT.get(page, off);
            case 4: return (int) INT.get(page, off);
            default: return (long) LONG.get(page, off);
        }
    }

    private void storeSlow(long va, long v, int size) {
        int off = (int) va & 0xfff;
        if (off + size > 4096) {
            // Check both pages first so a fault on the second leaves memory untouched.
            translate(va, ACCESS_WRITE);
            if (trap) return;
            translate(va + size - 1, ACCESS_WRITE);
            if (trap) return;
            for (int k = 0; k < size; k++) {
                storeSlow(va + k, v >>> (8 * k), 1);
                if (trap) return;
            }
            return;
        }
        // The fast path missed, so the TLB has no write entry for this page: translate once, for RAM or device.
        long pa = translate(va, ACCESS_WRITE);
        if (trap) return;
        byte[] page = installWritable(va, pa);
        if (page != null) {
            switch (size) {
                case 1: page[off] = (byte) v; break;
                case 2: SHORT.set(page, off, (short) v); break;
                case 4: INT.set(page, off, (int) v); break;
                default: LONG.set(page, off, v);
            }
            return;
        }
        if (inUnit) { // a device write inside translated code: leave it to the interpreter (exact instret)
            unitExit = true;
            return;
        }
        if ((pa & (size - 1)) == 0 && bus.mmioWrite(pa, size, size == 8 ? v : v & ((1L << (8 * size)) - 1))) {
            stopBatch(); // the device may have raised an interrupt or changed machine state
            return;
        }
        fault(CAUSE_STORE_ACCESS, va);
    }

    /** Translates for writing and returns the RAM page (installing a write TLB entry), or null for MMIO. */
    private byte[] writablePage(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (wTag[i] == ((va >>> 12) | dataCtx)) return wPage[i];
        long pa = translate(va, ACCESS_WRITE);
        if (trap) return null;
        return installWritable(va, pa);
    }

    /** The RAM page at {@code pa}, marked dirty and cached as the write mapping of {@code va}; null for a device. */
    private byte[] installWritable(long va, long pa) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int idx = ram.pageIndexOf(pa);
        if (idx < 0) return null;
        byte[] page = ram.pageForWrite(idx);
        wTag[i] = (va >>> 12) | dataCtx;
        wPage[i] = page;
        wPhys[i] = idx;
        if (lastLeafLevel > 0) noteSuperpage(va);
        return page;
    }

    private int fetchSlow(long pc) {
        int lo = fetch16(pc);
        if (trap) return 0;
        if ((lo & 3) != 3) return lo;
        int hi = fetch16(pc + 2);
        if (trap) return 0;
        return lo | hi << 16;
    }

    private int fetch16(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (xTag[i] != ((va >>> 12) | fetchCtx)) {
            long pa = translate(va, ACCESS_EXEC);
            if (trap) return 0;
            int idx = ram.pageIndexOf(pa);
            if (idx < 0) {
                fault(CAUSE_FETCH_ACCESS, va);
                return 0;
            }
            xTag[i] = (va >>> 12) | fetchCtx;
            xPage[i] = ram.pageForRead(idx);
            xPhys[i] = idx;
            if (lastLeafLevel > 0) noteSuperpage(va);
        }
        return (short) SHORT.get(xPage[i], (int) va & 0xfff) & 0xffff;
    }

    /** Sets a pending synchronous trap and returns 0, so callers can {@code return fault(...)}. */
    long fault(int cause, long tval) {
        trap = true;
        unitExit = true;
        events |= EVENT_TRAP;
        trapCause = cause;
        trapValue = tval;
        return 0;
    }

    void illegal(int insn) {
        fault(CAUSE_ILLEGAL_INSTRUCTION, insn & 0xffffffffL);
    }

    // ================================================================== MMU

    private int effectiveDataPriv() {
        if (priv == PRIV_M && (mstatus & MPRV) != 0) return (int) ((mstatus & MPP) >>> MPP_SHIFT);
        return priv;
    }

    /** Recomputes the TLB tag contexts after a change of privilege, mstatus or satp. */
    void updateContexts() {
        events |= EVENT_FETCH_STALE;
        contextEpoch++;
        long mode = satp >>> 60;
        int dp = effectiveDataPriv();
        dataCtx = contextOf(dp, mode, (mstatus & SUM) != 0, (mstatus & MXR) != 0) << 52;
        fetchCtx = contextOf(priv, mode, false, false) << 52;
    }

    private static long contextOf(int p, long mode, boolean sum, boolean mxr) {
        if (p == PRIV_M) return 1;
        if (mode == 0) return 16 | p; // bare S/U: same addresses as M, but PMP may allow them less
        return 8 | p | (sum ? 2 : 0) | (mxr ? 4 : 0);
    }

    private static final long PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;
    private static final long PPN_MASK = (1L << 44) - 1;

    /**
     * {@link #lastLeafLevel} after a {@link #translate} whose page PMP does not treat uniformly: the slow path's
     * post-fill call of {@link #noteSuperpage} then drops the entry it just filled, so that every access to the
     * page comes back here.
     */
    private static final int PMP_PARTIAL_PAGE = 1 << 16;
    /** The access kind of that translation (which TLB the entry to drop is in). */
    private int pmpPartialAccess;

    /**
     * Virtual to physical, with permission checks, A/D updates and PMP (for the page-table walk and for the
     * result). On failure sets {@link #trap} and returns 0. PMP judges the 4-byte granule holding the first byte.
     */
    long translate(long va, int access) {
        int p = access == ACCESS_EXEC ? priv : effectiveDataPriv();
        long pa = walk(va, access, p);
        if (trap || !pmp.applies(p)) return pa;
        int allowed = pmp.check(pa, 1, p, access);
        if (allowed == Pmp.DENY) return accessFault(access, va);
        if (allowed == Pmp.ALLOW_HERE) {
            pmpPartialAccess = access;
            lastLeafLevel = PMP_PARTIAL_PAGE;
        }
        return pa;
    }

    private long walk(long va, int access, int p) {
        long mode = satp >>> 60;
        lastLeafLevel = 0;
        if (p == PRIV_M || mode == 0) return va;
        int levels = mode == 8 ? 3 : 4;
        int vaBits = 12 + 9 * levels;
        long top = va >> (vaBits - 1);
        if (top != 0 && top != -1) return pageFault(access, va);
        long table = (satp & PPN_MASK) << 12;
        for (int level = levels - 1; level >= 0; level--) {
            long vpn = (va >>> (12 + 9 * level)) & 0x1ff;
            long pteAddr = table + vpn * 8;
            if (!ram.contains(pteAddr, 8)) return accessFault(access, va);
            if (pmp.enabled() && pmp.check(pteAddr, 8, PRIV_S, ACCESS_READ) == Pmp.DENY) return accessFault(access, va);
            long pte = ram.read64(pteAddr);
            if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) || (pte >>> 54) != 0) {
                return pageFault(access, va);
            }
            if ((pte & (PTE_R | PTE_X)) == 0) {
                if ((pte & (PTE_A | PTE_D | PTE_U)) != 0) return pageFault(access, va);
                table = ((pte >>> 10) & PPN_MASK) << 12;
                continue;
            }
            boolean user = (pte & PTE_U) != 0;
            if (p == PRIV_U && !user) return pageFault(access, va);
            if (p == PRIV_S && user && (access == ACCESS_EXEC || (mstatus & SUM) == 0)) return pageFault(access, va);
            switch (access) {
                case ACCESS_READ:
                    if ((pte & PTE_R) == 0 && !((mstatus & MXR) != 0 && (pte & PTE_X) != 0)) return pageFault(access, va);
                    break;
                case ACCESS_WRITE:
                    if ((pte & PTE_W) == 0) return pageFault(access, va);
                    break;
                default:
                    if ((pte & PTE_X) == 0) return pageFault(access, va);
            }
            long ppn = (pte >>> 10) & PPN_MASK;
            if (level > 0 && (ppn & ((1L << (9 * level)) - 1)) != 0) return pageFault(access, va);
            long need = PTE_A | (access == ACCESS_WRITE ? PTE_D : 0);
            if ((pte & need) != need) {
                if (pmp.enabled() && pmp.check(pteAddr, 8, PRIV_S, ACCESS_WRITE) == Pmp.DENY) return accessFault(access, va);
                ram.write64(pteAddr, pte | need);
            }
            long pageMask = (1L << (12 + 9 * level)) - 1;
            lastLeafLevel = level;
            return ((ppn << 12) & ~pageMask) | (va & pageMask);
        }
        return pageFault(access, va);
    }

    private long pageFault(int access, long va) {
        return fault(access == ACCESS_READ ? CAUSE_LOAD_PAGE_FAULT : access == ACCESS_WRITE ? CAUSE_STORE_PAGE_FAULT : CAUSE_FETCH_PAGE_FAULT, va);
    }

    private long accessFault(int access, long va) {
        return fault(access == ACCESS_READ ? CAUSE_LOAD_ACCESS : access == ACCESS_WRITE ? CAUSE_STORE_ACCESS : CAUSE_FETCH_ACCESS, va);
    }

    public void flushTlb() {
        events |= EVENT_FETCH_STALE;
        contextEpoch++;
        superpageRegionCount = 0;
        superpageRegionsOverflowed = false;
        Arrays.fill(rTag, -1);
        Arrays.fill(wTag, -1);
        Arrays.fill(xTag, -1);
        Arrays.fill(rPage, null);
        Arrays.fill(wPage, null);
        Arrays.fill(xPage, null);
    }

    /**
     * Remembers that a TLB entry for {@code va} was cut from a superpage (see {@link #superpageRegions}); or, after a
     * translation PMP marked {@link #PMP_PARTIAL_PAGE}, drops that entry. The slow paths call it right after filling
     * an entry whenever {@link #lastLeafLevel} is positive.
     */
    private void noteSuperpage(long va) {
        if (lastLeafLevel == PMP_PARTIAL_PAGE) {
            // Not a superpage: PMP decides parts of this page differently. Drop the entry just filled (its page
            // array stays, as the slow path may still read through it for this access).
            int i = (int) (va >>> 12) & TLB_MASK;
            if (pmpPartialAccess == ACCESS_READ) rTag[i] = -1;
            else if (pmpPartialAccess == ACCESS_WRITE) wTag[i] = -1;
            else xTag[i] = -1;
            return;
        }
        long region = va >> 30;
        for (int k = 0; k < superpageRegionCount; k++) if (superpageRegions[k] == region) return;
        if (superpageRegionCount == superpageRegions.length) {
            superpageRegionsOverflowed = true;
            return;
        }
        superpageRegions[superpageRegionCount++] = region;
    }

    /**
     * sfence.vma with an address: drops the translations of that page in every context. Entries are indexed by
     * virtual page only, so that is one slot per TLB; if the page may lie in a cached superpage, flush all.
     */
    private void flushTlbPage(long va) {
        events |= EVENT_FETCH_STALE;
        contextEpoch++;
        long region = va >> 30;
        boolean inSuperpage = superpageRegionsOverflowed;
        for (int k = 0; k < superpageRegionCount; k++) if (superpageRegions[k] == region) inSuperpage = true;
        if (inSuperpage) {
            flushTlb();
            return;
        }
        int i = (int) (va >>> 12) & TLB_MASK;
        rTag[i] = -1; rPage[i] = null;
        wTag[i] = -1; wPage[i] = null;
        xTag[i] = -1; xPage[i] = null;
    }

    @Override
    public void flushWriteMappings() {
        Arrays.fill(wTag, -1);
        Arrays.fill(wPage, null);
    }

    @Override
    public void pageReplaced(int pageIndex) {
        events |= EVENT_FETCH_STALE;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (rPhys[i] == pageIndex && rPage[i] != null) { rTag[i] = -1; rPage[i] = null; }
            if (wPhys[i] == pageIndex && wPage[i] != null) { wTag[i] = -1; wPage[i] = null; }
            if (xPhys[i] == pageIndex && xPage[i] != null) { xTag[i] = -1; xPage[i] = null; }
        }
    }

    @Override
    public void flushAllMappings() {
        flushTlb();
        if (codeCache != null) codeCache.flush();
    }

    @Override
    public void codePageWritten(int pageIndex) {
        if (codeCache != null) codeCache.invalidatePage(pageIndex);
        unitExit = true; // a unit running now may be running that code: it leaves before the writing instruction
    }

    /**
     * A page became a code page, or was filled from a known source: no write mapping of it may stay cached
     * (writes must reach GuestMemory).
     */
    @Override
    public void dropWriteMappings(int pageIndex) {
        for (int i = 0; i < TLB_SIZE; i++) {
            if (wPhys[i] == pageIndex && wPage[i] != null) { wTag[i] = -1; wPage[i] = null; }
        }
    }

    // ================================================================== atomics

    /** lr, sc, amoswap, amoadd, amoxor, amoand, amoor, amomin, amomax, amominu, amomaxu. */
    private static boolean isAmoFunct5(int funct5) {
        switch (funct5) {
            case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x08: case 0x0c:
            case 0x10: case 0x14: case 0x18: case 0x1c:
                return true;
            default:
                return false;
        }
    }

    private void amo(int insn, int rd, int rs1, int funct3) {
        long va = x[rs1];
        long src = x[(insn >>> 20) & 31];
        int funct5 = insn >>> 27;
        boolean dword;
        if (funct3 == 3) dword = true;
        else if (funct3 == 2) dword = false;
        else { illegal(insn); return; }
        // An encoding that is no AMO is illegal whatever its address (and must not touch memory or mappings).
        if (!isAmoFunct5(funct5) || (funct5 == 2 && ((insn >>> 20) & 31) != 0)) { illegal(insn); return; }
        int size = dword ? 8 : 4;
        if ((va & (size - 1)) != 0) {
            fault(funct5 == 2 ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va);
            return;
        }
        if (funct5 == 2) { // LR
            if (((insn >>> 20) & 31) != 0) { illegal(insn); return; }
            long v = dword ? load64(va) : load32(va);
            if (trap) return;
            reservation = va;
            x[rd] = v;
            return;
        }
        if (funct5 == 3) { // SC
            if (reservation != va) {
                // Still a store access for fault purposes: report page faults as a store would.
                translate(va, ACCESS_WRITE);
                if (trap) return;
                reservation = -1;
                x[rd] = 1;
                return;
            }
            reservation = -1;
            if (dword) store64(va, src); else store32(va, (int) src);
            if (trap) return;
            x[rd] = 0;
            return;
        }
        byte[] page = writablePage(va);
        if (trap) return;
        if (page == null) { fault(CAUSE_STORE_ACCESS, va); return; }
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
            default: illegal(insn); return;
        }
        if (dword) LONG.set(page, off, result); else INT.set(page, off, (int) result);
        x[rd] = old;
    }

    // ================================================================== system instructions and CSRs

    private long system(int insn, int rd, int rs1, int funct3, long next) {
        if (funct3 == 0) {
            int funct12 = insn >>> 20;
            if (insn == 0x00000073) { // ecall
                if (priv == PRIV_S && firmware != null) {
                    firmware.supervisorEcall(this);
                    stopBatch();
                    return next;
                }
                fault(priv == PRIV_U ? CAUSE_USER_ECALL : priv == PRIV_S ? CAUSE_SUPERVISOR_ECALL : CAUSE_MACHINE_ECALL, 0);
                return next;
            }
            if (insn == 0x00100073) { // ebreak
                fault(CAUSE_BREAKPOINT, pc);
                return next;
            }
            if (insn == 0x30200073) { // mret
                if (priv < PRIV_M) { illegal(insn); return next; }
                int mpp = (int) ((mstatus & MPP) >>> MPP_SHIFT);
                mstatus = (mstatus & ~MIE_BIT) | ((mstatus & MPIE) != 0 ? MIE_BIT : 0);
                mstatus |= MPIE;
                mstatus &= ~MPP;
                if (mpp != PRIV_M) mstatus &= ~MPRV;
                setPriv(mpp);
                stopBatch();
                return mepc;
            }
            if (insn == 0x10200073) { // sret
                if (priv < PRIV_S || (priv == PRIV_S && (mstatus & TSR) != 0)) { illegal(insn); return next; }
                int spp = (mstatus & SPP) != 0 ? PRIV_S : PRIV_U;
                mstatus = (mstatus & ~SIE_BIT) | ((mstatus & SPIE) != 0 ? SIE_BIT : 0);
                mstatus |= SPIE;
                mstatus &= ~SPP;
                mstatus &= ~MPRV;
                setPriv(spp);
                stopBatch();
                return sepc;
            }
            if (insn == 0x10500073) { // wfi
                if (priv == PRIV_U || (priv == PRIV_S && (mstatus & TW) != 0)) { illegal(insn); return next; }
                waitingForInterrupt = true;
                stopBatch();
                return next;
            }
            if ((funct12 >>> 5) == 0x09 && rd == 0) { // sfence.vma
                if (priv == PRIV_U || (priv == PRIV_S && (mstatus & TVM) != 0)) { illegal(insn); return next; }
                if (rs1 == 0) flushTlb(); else flushTlbPage(x[rs1]);
                return next;
            }
            illegal(insn);
            return next;
        }
        int csr = insn >>> 20;
        boolean imm = (funct3 & 4) != 0;
        long operand = imm ? rs1 : x[rs1];
        int op = funct3 & 3;
        boolean writes = op == 1 || rs1 != 0;
        if (op == 0) { illegal(insn); return next; }
        if (priv < ((csr >>> 8) & 3) || (writes && (csr >>> 10) == 3)) { illegal(insn); return next; }
        // csrrw with rd == x0 does not read (no read side effects; all ours are pure anyway)
        long old = csrRead(csr, insn);
        if (trap) return next;
        if (writes) {
            long value = op == 1 ? operand : op == 2 ? old | operand : old & ~operand;
            csrWrite(csr, value, insn);
            if (trap) return next;
            if (mayEnableInterrupt(csr)) stopBatch();
        }
        x[rd] = old;
        return next;
    }

    /**
     * A write to this CSR may make an interrupt deliverable (global or per-source enables, pending bits,
     * delegation), so the machine must check interrupts before the next instruction. Other CSR writes (sscratch,
     * sepc, stvec... written on every trap) keep the batch going.
     */
    private static boolean mayEnableInterrupt(int csr) {
        switch (csr) {
            case SSTATUS: case SIE: case SIP: case MSTATUS: case MIE: case MIP: case MIDELEG:
                return true;
            default:
                return false;
        }
    }

    private boolean counterAllowed(int bit) {
        if (priv == PRIV_M) return true;
        if ((mcounteren & (1L << bit)) == 0) return false;
        return priv == PRIV_S || (scounteren & (1L << bit)) != 0;
    }

    private boolean fpEnabled() {
        return (mstatus & FS) != 0;
    }

    long csrRead(int csr, int insn) {
        switch (csr) {
            case FFLAGS: if (!fpEnabled()) break; return fflags;
            case FRM: if (!fpEnabled()) break; return frm;
            case FCSR: if (!fpEnabled()) break; return (frm << 5) | fflags;
            case CYCLE: if (!counterAllowed(0)) break; return mcycle();
            case TIME: if (!counterAllowed(1)) break; return clock.mtime();
            case INSTRET: if (!counterAllowed(2)) break; return minstret();
            case SSTATUS: return readMstatus() & SSTATUS_MASK;
            case SIE: return mie & mideleg;
            case STVEC: return stvec;
            case SCOUNTEREN: return scounteren;
            case SENVCFG: return senvcfg;
            case SSCRATCH: return sscratch;
            case SEPC: return sepc;
            case SCAUSE: return scause;
            case STVAL: return stval;
            case SIP: return mip & mideleg;
            case SATP:
                if (priv == PRIV_S && (mstatus & TVM) != 0) break;
                return satp;
            case MVENDORID: case MARCHID: case MIMPID: case MCONFIGPTR: return 0;
            case MHARTID: return hartId;
            case MSTATUS: return readMstatus();
            case MISA: return MISA_VALUE;
            case MEDELEG: return medeleg;
            case MIDELEG: return mideleg;
            case MIE: return mie;
            case MTVEC: return mtvec;
            case MCOUNTEREN: return mcounteren;
            case MENVCFG: return menvcfg;
            case MCOUNTINHIBIT: return mcountinhibit;
            case MSCRATCH: return mscratch;
            case MEPC: return mepc;
            case MCAUSE: return mcause;
            case MTVAL: return mtval;
            case MIP: return mip;
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
                if (Pmp.isPmpCsr(csr)) return pmp.read(csr);
                break;
        }
        illegal(insn);
        return 0;
    }

    void csrWrite(int csr, long v, int insn) {
        switch (csr) {
            case FFLAGS: fflags = (int) v & 31; markFpDirty(); return;
            case FRM: frm = (int) v & 7; markFpDirty(); return;
            case FCSR: fflags = (int) v & 31; frm = (int) (v >>> 5) & 7; markFpDirty(); return;
            case SSTATUS: writeMstatus((mstatus & ~SSTATUS_MASK) | (v & SSTATUS_MASK)); return;
            case SIE: mie = (mie & ~mideleg) | (v & mideleg); return;
            case STVEC: stvec = v & ~2L; return;
            case SCOUNTEREN: scounteren = v & 0xffffffffL; return;
            case SENVCFG: senvcfg = v & 1; return;
            case SSCRATCH: sscratch = v; return;
            case SEPC: sepc = v & ~1L; return;
            case SCAUSE: scause = v; return;
            case STVAL: stval = v; return;
            case SIP: mip = (mip & ~(mideleg & SSIP)) | (v & mideleg & SSIP); return;
            case SATP: {
                if (priv == PRIV_S && (mstatus & TVM) != 0) break;
                long mode = v >>> 60;
                if (mode != 0 && mode != 8 && mode != 9) return; // unsupported mode: the write has no effect
                satp = v & ((0xfL << 60) | PPN_MASK);           // no ASID bits: ASIDLEN = 0
                flushTlb();
                updateContexts();
                return;
            }
            case MSTATUS: writeMstatus(v); return;
            case MISA: return; // fixed
            case MEDELEG: medeleg = v & 0xb3ff; return; // not ecall-from-M (11), reserved 10, 14
            case MIDELEG: mideleg = v & S_INTERRUPTS; return;
            case MIE: mie = v & ALL_INTERRUPTS; return;
            case MTVEC: mtvec = v & ~2L; return;
            case MCOUNTEREN: mcounteren = v & 0xffffffffL; return;
            case MENVCFG: menvcfg = v & 1; return;
            case MCOUNTINHIBIT: writeCountInhibit(v & 5); return;
            case MSCRATCH: mscratch = v; return;
            case MEPC: mepc = v & ~1L; return;
            case MCAUSE: mcause = v; return;
            case MTVAL: mtval = v; return;
            case MIP: mip = (mip & ~(SSIP | STIP)) | (v & (SSIP | STIP)); return;
            case MCYCLE:
                if ((mcountinhibit & 1) != 0) cycleFrozen = v; else cycleOffset = v - (instret + 1);
                return;
            case MINSTRET:
                if ((mcountinhibit & 4) != 0) instretFrozen = v; else instretOffset = v - (instret + 1);
                return;
            case TSELECT: case TDATA1: case TDATA2: case TDATA3: case TINFO: return;
            default:
                if ((csr >= 0xB03 && csr <= 0xB1F) || (csr >= 0x323 && csr <= 0x33F)) return;
                if (Pmp.isPmpCsr(csr)) {
                    pmp.write(csr, v);
                    flushTlb(); // cached pages were judged under the old entries
                    return;
                }
                break;
        }
        illegal(insn);
    }

    /*
     * Counters. The guest's mcycle and minstret both count retired instructions (one cycle per instruction), as an
     * offset from the hart's instret, or hold still while their mcountinhibit bit (CY, IR) is set. A CSR instruction
     * that changes them takes effect from the next instruction: a value written is what the next instruction reads
     * (the writing instruction does not count, as the spec requires for minstret), and an inhibit bit
     * applies after the instruction that sets or clears it.
     */

    long mcycle() {
        return (mcountinhibit & 1) != 0 ? cycleFrozen : instret + cycleOffset;
    }

    long minstret() {
        return (mcountinhibit & 4) != 0 ? instretFrozen : instret + instretOffset;
    }

    private void writeCountInhibit(long v) {
        long changed = mcountinhibit ^ v;
        if ((changed & 1) != 0) {
            if ((v & 1) != 0) cycleFrozen = instret + 1 + cycleOffset; else cycleOffset = cycleFrozen - (instret + 1);
        }
        if ((changed & 4) != 0) {
            if ((v & 4) != 0) instretFrozen = instret + 1 + instretOffset; else instretOffset = instretFrozen - (instret + 1);
        }
        mcountinhibit = v;
    }

    private long readMstatus() {
        long s = mstatus;
        if ((s & FS) == FS) s |= SD;
        return s;
    }

    private void writeMstatus(long v) {
        long m = (mstatus & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
        if (((m & MPP) >>> MPP_SHIFT) == 2) m &= ~MPP; // reserved MPP value: keep legal
        mstatus = m & ~SD;
        updateContexts();
    }

    void markFpDirty() {
        mstatus |= FS;
    }

    void setPriv(int p) {
        priv = p;
        updateContexts();
    }

    // ================================================================== traps and interrupts

    private void takePendingTrap() {
        trap = false;
        takeTrap(trapCause, trapValue, false);
    }

    /** Raises a synchronous exception at the current pc. */
    void raise(int cause, long tval) {
        takeTrap(cause, tval, false);
    }

    /** Debug aid: -Dvmckpt.traceIllegal=true prints every illegal-instruction trap (pc, privilege, bits). */
    private static final boolean TRACE_ILLEGAL = Boolean.getBoolean("vmckpt.traceIllegal");

    private void takeTrap(long cause, long tval, boolean interrupt) {
        if (TRACE_ILLEGAL && !interrupt && cause == CAUSE_ILLEGAL_INSTRUCTION) {
            System.err.printf("vmckpt: illegal instruction %08x at pc %x (priv %d)%n", tval, pc, priv);
        }
        long causeBit = 1L << cause;
        boolean toS = priv <= PRIV_S && ((interrupt ? mideleg : medeleg) & causeBit) != 0;
        long causeValue = interrupt ? (cause | INTERRUPT_FLAG) : cause;
        if (toS) {
            scause = causeValue;
            sepc = pc;
            stval = tval;
            mstatus = (mstatus & ~SPIE) | ((mstatus & SIE_BIT) != 0 ? SPIE : 0);
            mstatus = (mstatus & ~SPP) | (priv == PRIV_S ? SPP : 0);
            mstatus &= ~SIE_BIT;
            setPriv(PRIV_S);
            pc = (stvec & ~3L) + ((stvec & 1) != 0 && interrupt ? 4 * cause : 0);
        } else {
            mcause = causeValue;
            mepc = pc;
            mtval = tval;
            mstatus = (mstatus & ~MPIE) | ((mstatus & MIE_BIT) != 0 ? MPIE : 0);
            mstatus = (mstatus & ~MPP) | ((long) priv << MPP_SHIFT);
            mstatus &= ~MIE_BIT;
            setPriv(PRIV_M);
            pc = (mtvec & ~3L) + ((mtvec & 1) != 0 && interrupt ? 4 * cause : 0);
        }
    }

    /** Interrupts pending in mip and enabled in mie (regardless of global enables): what wakes WFI. */
    public long pendingEnabledBits() {
        return mip & mie;
    }

    /**
     * Takes the highest-priority interrupt that is pending, enabled and allowed at the current privilege.
     * Called by the machine between batches. Returns true if one was taken.
     */
    public boolean checkInterrupts() {
        interruptCheckDue = false;
        long pending = mip & mie;
        if (pending == 0) return false;
        waitingForInterrupt = false;
        long mLevel = pending & ~mideleg;
        boolean mEnabled = priv < PRIV_M || (mstatus & MIE_BIT) != 0;
        long chosen = mEnabled ? mLevel : 0;
        if (chosen == 0) {
            long sLevel = pending & mideleg;
            boolean sEnabled = priv < PRIV_S || (priv == PRIV_S && (mstatus & SIE_BIT) != 0);
            chosen = sEnabled ? sLevel : 0;
        }
        if (chosen == 0) return false;
        int cause;
        if ((chosen & MEIP) != 0) cause = 11;
        else if ((chosen & MSIP) != 0) cause = 3;
        else if ((chosen & MTIP) != 0) cause = 7;
        else if ((chosen & SEIP) != 0) cause = 9;
        else if ((chosen & SSIP) != 0) cause = 1;
        else cause = 5;
        takeTrap(cause, 0, true);
        return true;
    }

    @Override
    public void setInterruptPending(long mask, boolean level) {
        if (level) mip |= mask; else mip &= ~mask;
    }

    public long mip() { return mip; }
    public long mie() { return mie; }
    public long mstatus() { return readMstatus(); }
    public long satp() { return satp; }

    /** Puts the hart in the state firmware leaves it in before jumping to a supervisor (SBI boot). */
    public void enterSupervisor(long entry, long a0, long a1) {
        // Delegate what OpenSBI delegates, so the kernel handles its own traps and interrupts.
        medeleg = (1 << CAUSE_MISALIGNED_FETCH) | (1 << CAUSE_FETCH_ACCESS) | (1 << CAUSE_ILLEGAL_INSTRUCTION)
                | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_MISALIGNED_LOAD) | (1 << CAUSE_LOAD_ACCESS)
                | (1 << CAUSE_MISALIGNED_STORE) | (1 << CAUSE_STORE_ACCESS) | (1 << CAUSE_USER_ECALL)
                | (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT);
        mideleg = S_INTERRUPTS;
        mcounteren = 7;
        // User mode reads time/cycle/instret directly (the vDSO's clock_gettime does). Linux sets scounteren only
        // through the SBI PMU driver, which our SBI does not offer, so the firmware leaves user access enabled.
        scounteren = 7;
        mstatus = (mstatus & ~MPP) | ((long) PRIV_S << MPP_SHIFT);
        x[10] = a0;
        x[11] = a1;
        pc = entry;
        setPriv(PRIV_S);
    }

    // ================================================================== floating point

    private int roundingMode(int insn) {
        int rm = (insn >>> 12) & 7;
        if (rm == 7) rm = frm;
        return rm <= 4 ? rm : -1;
    }

    private void floatingPoint(int insn, int rd, int rs1, int funct3) {
        if (!fpEnabled()) { illegal(insn); return; }
        int opcode = insn & 0x7f;
        int rs2 = (insn >>> 20) & 31;
        final long[] f = this.f;
        switch (opcode) {
            case 0x07: { // FLW / FLD
                long va = x[rs1] + (insn >> 20);
                if (funct3 == 2) { int v = load32(va); if (!trap) f[rd] = FloatUnit.boxS(v); }
                else if (funct3 == 3) { long v = load64(va); if (!trap) f[rd] = v; }
                else { illegal(insn); return; }
                if (!trap) markFpDirty();
                return;
            }
            case 0x27: { // FSW / FSD
                long va = x[rs1] + (((insn >> 25) << 5) | ((insn >>> 7) & 31));
                if (funct3 == 2) store32(va, (int) f[rs2]);
                else if (funct3 == 3) store64(va, f[rs2]);
                else illegal(insn);
                return;
            }
            default:
                break;
        }
        int fmt = (insn >>> 25) & 3;
        if (opcode != 0x53) { // fused multiply-add family
            int rm = roundingMode(insn);
            if (rm < 0 || fmt > 1) { illegal(insn); return; }
            int rs3 = insn >>> 27;
            FloatUnit u = fpu;
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

    private void finishFp() {
        fflags |= fpu.flags;
        fpu.flags = 0;
        markFpDirty();
    }

    private void opFpDouble(int insn, int funct7, int rd, int rs1, int rs2, int funct3) {
        final long[] f = this.f;
        FloatUnit u = fpu;
        long a = f[rs1], b = f[rs2];
        switch (funct7) {
            case 0x01: case 0x05: case 0x09: case 0x0d: case 0x2d: case 0x21: case 0x61: case 0x69: {
                int rm = roundingMode(insn);
                if (rm < 0) { illegal(insn); return; }
                switch (funct7) {
                    case 0x01: f[rd] = u.addD(a, b, rm); break;
                    case 0x05: f[rd] = u.subD(a, b, rm); break;
                    case 0x09: f[rd] = u.mulD(a, b, rm); break;
                    case 0x0d: f[rd] = u.divD(a, b, rm); break;
                    case 0x2d: if (rs2 != 0) { illegal(insn); return; } f[rd] = u.sqrtD(a, rm); break;
                    case 0x21: if (rs2 != 0) { illegal(insn); return; } f[rd] = u.cvtDS(FloatUnit.unboxS(a)); break;
                    case 0x61: {
                        long r;
                        switch (rs2) {
                            case 0: r = u.cvtWD(a, rm); break;
                            case 1: r = u.cvtWuD(a, rm); break;
                            case 2: r = u.cvtLD(a, rm); break;
                            case 3: r = u.cvtLuD(a, rm); break;
                            default: illegal(insn); return;
                        }
                        x[rd] = r;
                        break;
                    }
                    default: { // 0x69
                        long v = x[rs1];
                        switch (rs2) {
                            case 0: f[rd] = u.cvtDW(v, rm); break;
                            case 1: f[rd] = u.cvtDWu(v, rm); break;
                            case 2: f[rd] = u.cvtDL(v, rm); break;
                            case 3: f[rd] = u.cvtDLu(v, rm); break;
                            default: illegal(insn); return;
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
                    default: illegal(insn); return;
                }
                break;
            case 0x15:
                if (funct3 == 0) f[rd] = u.minD(a, b);
                else if (funct3 == 1) f[rd] = u.maxD(a, b);
                else { illegal(insn); return; }
                break;
            case 0x51:
                switch (funct3) {
                    case 0: x[rd] = u.leD(a, b); break;
                    case 1: x[rd] = u.ltD(a, b); break;
                    case 2: x[rd] = u.eqD(a, b); break;
                    default: illegal(insn); return;
                }
                break;
            case 0x71:
                if (rs2 != 0) { illegal(insn); return; }
                if (funct3 == 0) x[rd] = a;
                else if (funct3 == 1) x[rd] = FloatUnit.classD(a);
                else { illegal(insn); return; }
                break;
            case 0x79:
                if (rs2 != 0 || funct3 != 0) { illegal(insn); return; }
                f[rd] = x[rs1];
                break;
            default:
                illegal(insn);
                return;
        }
        finishFp();
    }

    private void opFpSingle(int insn, int funct7, int rd, int rs1, int rs2, int funct3) {
        final long[] f = this.f;
        FloatUnit u = fpu;
        int a = FloatUnit.unboxS(f[rs1]), b = FloatUnit.unboxS(f[rs2]);
        switch (funct7) {
            case 0x00: case 0x04: case 0x08: case 0x0c: case 0x2c: case 0x20: case 0x60: case 0x68: {
                int rm = roundingMode(insn);
                if (rm < 0) { illegal(insn); return; }
                switch (funct7) {
                    case 0x00: f[rd] = FloatUnit.boxS(u.addS(a, b, rm)); break;
                    case 0x04: f[rd] = FloatUnit.boxS(u.subS(a, b, rm)); break;
                    case 0x08: f[rd] = FloatUnit.boxS(u.mulS(a, b, rm)); break;
                    case 0x0c: f[rd] = FloatUnit.boxS(u.divS(a, b, rm)); break;
                    case 0x2c: if (rs2 != 0) { illegal(insn); return; } f[rd] = FloatUnit.boxS(u.sqrtS(a, rm)); break;
                    case 0x20: if (rs2 != 1) { illegal(insn); return; } f[rd] = FloatUnit.boxS(u.cvtSD(f[rs1], rm)); break;
                    case 0x60: {
                        long r;
                        switch (rs2) {
                            case 0: r = u.cvtWS(a, rm); break;
                            case 1: r = u.cvtWuS(a, rm); break;
                            case 2: r = u.cvtLS(a, rm); break;
                            case 3: r = u.cvtLuS(a, rm); break;
                            default: illegal(insn); return;
                        }
                        x[rd] = r;
                        break;
                    }
                    default: { // 0x68
                        long v = x[rs1];
                        int r;
                        switch (rs2) {
                            case 0: r = u.cvtSW(v, rm); break;
                            case 1: r = u.cvtSWu(v, rm); break;
                            case 2: r = u.cvtSL(v, rm); break;
                            case 3: r = u.cvtSLu(v, rm); break;
                            default: illegal(insn); return;
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
                    default: illegal(insn); return;
                }
                break;
            case 0x14:
                if (funct3 == 0) f[rd] = FloatUnit.boxS(u.minS(a, b));
                else if (funct3 == 1) f[rd] = FloatUnit.boxS(u.maxS(a, b));
                else { illegal(insn); return; }
                break;
            case 0x50:
                switch (funct3) {
                    case 0: x[rd] = u.leS(a, b); break;
                    case 1: x[rd] = u.ltS(a, b); break;
                    case 2: x[rd] = u.eqS(a, b); break;
                    default: illegal(insn); return;
                }
                break;
            case 0x70:
                if (rs2 != 0) { illegal(insn); return; }
                if (funct3 == 0) x[rd] = (int) f[rs1];          // fmv.x.w: raw low 32 bits, sign-extended
                else if (funct3 == 1) x[rd] = FloatUnit.classS(a);
                else { illegal(insn); return; }
                break;
            case 0x78:
                if (rs2 != 0 || funct3 != 0) { illegal(insn); return; }
                f[rd] = FloatUnit.boxS((int) x[rs1]);
                break;
            default:
                illegal(insn);
                return;
        }
        finishFp();
    }

    // ================================================================== state

    @Override
    public String stateName() {
        return "hart" + hartId;
    }

    /**
     * 1: registers and CSRs. 2: adds the counter offsets and frozen values (mcycle, minstret) and the PMP entries;
     * version 1 records still load (counters continue from instret, PMP off as at reset).
     */
    @Override
    public int stateVersion() {
        return 2;
    }

    @Override
    public void saveState(StateWriter out) {
        out.writeLongs(x).writeLongs(f).writeLong(pc).writeByte(priv).writeLong(instret);
        out.writeLong(mstatus).writeLong(medeleg).writeLong(mideleg).writeLong(mie).writeLong(mip).writeLong(mtvec)
                .writeLong(mscratch).writeLong(mepc).writeLong(mcause).writeLong(mtval).writeLong(mcounteren)
                .writeLong(menvcfg).writeLong(mcountinhibit);
        out.writeLong(stvec).writeLong(sscratch).writeLong(sepc).writeLong(scause).writeLong(stval)
                .writeLong(scounteren).writeLong(senvcfg).writeLong(satp);
        out.writeByte(frm).writeByte(fflags).writeLong(reservation).writeBoolean(waitingForInterrupt).writeBoolean(interruptCheckDue);
        out.writeLong(cycleOffset).writeLong(instretOffset).writeLong(cycleFrozen).writeLong(instretFrozen);
        pmp.save(out);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != 1 && version != 2) throw StateFormatException.unsupportedVersion(stateName(), version, 2);
        long[] nx = in.readLongs(32, "integer registers");
        long[] nf = in.readLongs(32, "float registers");
        long npc = in.readLong();
        int npriv = in.readByte();
        if (npriv != PRIV_U && npriv != PRIV_S && npriv != PRIV_M) throw in.error("bad privilege level " + npriv);
        long[] csrs = new long[22];
        for (int i = 0; i < csrs.length; i++) csrs[i] = in.readLong();
        int nfrm = in.readByte();
        int nfflags = in.readByte();
        long nres = in.readLong();
        boolean nwfi = in.readBoolean();
        boolean ncheck = in.readBoolean();
        long[] counters = new long[4];
        long[] npmp = null;
        if (version >= 2) {
            for (int k = 0; k < counters.length; k++) counters[k] = in.readLong();
            npmp = Pmp.read(in);
        }
        in.expectEnd();
        // Everything read and checked: now apply.
        System.arraycopy(nx, 0, x, 0, 32);
        System.arraycopy(nf, 0, f, 0, 32);
        x[0] = 0;
        pc = npc;
        priv = npriv;
        int i = 0;
        instret = csrs[i++];
        mstatus = csrs[i++]; medeleg = csrs[i++]; mideleg = csrs[i++]; mie = csrs[i++]; mip = csrs[i++]; mtvec = csrs[i++];
        mscratch = csrs[i++]; mepc = csrs[i++]; mcause = csrs[i++]; mtval = csrs[i++]; mcounteren = csrs[i++];
        menvcfg = csrs[i++]; mcountinhibit = csrs[i++];
        stvec = csrs[i++]; sscratch = csrs[i++]; sepc = csrs[i++]; scause = csrs[i++]; stval = csrs[i++];
        scounteren = csrs[i++]; senvcfg = csrs[i++]; satp = csrs[i];
        if (version >= 2) {
            cycleOffset = counters[0]; instretOffset = counters[1]; cycleFrozen = counters[2]; instretFrozen = counters[3];
        } else {
            // Version 1 had cycle = instret = the hart's count whatever mcountinhibit said: carry on from there.
            cycleOffset = 0; instretOffset = 0; cycleFrozen = instret; instretFrozen = instret;
        }
        pmp.apply(npmp);
        frm = nfrm & 7;
        fflags = nfflags & 31;
        reservation = nres;
        waitingForInterrupt = nwfi;
        interruptCheckDue = ncheck;
        trap = false;
        flushTlb();
        updateContexts();
    }
}
