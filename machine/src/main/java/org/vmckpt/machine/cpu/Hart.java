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
 * <p>Split by concern, as TinyEMU splits its CPU: this class holds the architectural state (registers, CSR
 * values, trap signalling), saves and loads it, and runs the dispatcher ({@link #run}) between translated code
 * and the interpreter. Behaviour lives in one part per concern, each a final class with a reference to the hart:
 * {@link Interpreter} (the fetch/decode/execute loop, integer, atomic and system instructions), {@link Mmu}
 * (page walks, PMP checks, the TLB and the load/store/fetch paths), {@link CsrFile} (CSR reads and writes,
 * counters), {@link Traps} (exceptions and interrupts) and {@link FloatInstructions} (F/D decode and dispatch).
 * The translator shares the interpreter's semantics: {@link Alu} and {@link Decode} for the integer
 * instructions it emits itself, the {@link Mmu}'s access paths on a TLB miss, and the interpreter for
 * everything else ({@link #execOne}).
 *
 * <p>Hot path rules: {@link #run(int)} fetches, decodes and executes with no allocation and no exceptions.
 * A guest trap is a flag ({@link #trap}) set by the slow path and checked once per instruction.
 */
public final class Hart implements Snapshottable, InterruptSink, MemoryObserver {
    static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    /** Translated code reads and writes page arrays with it (see Translator); x86-64 and aarch64 hosts are little-endian. */
    static final sun.misc.Unsafe UNSAFE = unsafe();

    static sun.misc.Unsafe unsafe() {
        try {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * log2 of the TLB's entries per kind (read, write, fetch): 10 (1,024) unless {@code -Dvmckpt.mmu.tlbBits=B} (8-14;
     * round 69, a size for measurement: the hit path and translated code's look-up are the same at any size, their mask a
     * constant; a full flush and the page scans of {@link Mmu#dropWriteMappings} and {@link Mmu#pageReplaced} grow with it).
     */
    static final int TLB_BITS = Math.max(8, Math.min(14, Integer.getInteger("vmckpt.mmu.tlbBits", 10)));
    static final int TLB_SIZE = 1 << TLB_BITS;
    static final int TLB_MASK = TLB_SIZE - 1;

    static final int ACCESS_READ = 0, ACCESS_WRITE = 1, ACCESS_EXEC = 2;

    public static final int PRIV_U = 0, PRIV_S = 1, PRIV_M = 3;

    public static final long MISA_VALUE = (2L << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

    public final int hartId;
    final Bus bus;
    final GuestMemory ram;
    final Clock clock;
    EcallHandler firmware;

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
    /**
     * The block {@code cbo.zero} zeroes (Zicboz, {@link org.vmckpt.machine.Isa#ZICBOZ}), or 0 when the hart has no
     * Zicboz (the instruction is illegal and envcfg's CBZE bit reads as zero). Tests set it per hart.
     */
    int cbozBlock = org.vmckpt.machine.Isa.ZICBOZ ? org.vmckpt.machine.Isa.CBOZ_BLOCK_SIZE : 0;
    /** cbo.zero instructions retired or trapped (host-side statistics; not part of the hart's state). */
    public long cboZeros;
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

    // ------------------------------------------------------------------ the hart's parts, by concern (state stays here)
    final Mmu mmu;
    final CsrFile csrs;
    final Traps traps;
    final FloatInstructions fp;
    final Interpreter interpreter;

    // ------------------------------------------------------------------ translated code (see Translator)
    /** The translations, or null when this hart only interprets ({@code --cpu interp}). */
    CodeCache codeCache;
    /** A translated unit is running: device accesses are left to the interpreter (exact instret, exact order). */
    boolean inUnit;
    /**
     * The running unit must leave before its current instruction: a trap is pending, the access reached a
     * device, or a page holding translations was written. Read by the generated code after every memory access.
     */
    boolean unitExit;
    /** The exit a unit left by (set by the generated code at each chainable exit): an index into its chain slots. */
    int exitSlot;

    public Hart(int hartId, Bus bus, Clock clock) {
        this.hartId = hartId;
        this.bus = bus;
        this.ram = bus.ram();
        this.clock = clock;
        mmu = new Mmu(this);
        csrs = new CsrFile(this);
        traps = new Traps(this);
        fp = new FloatInstructions(this);
        interpreter = new Interpreter(this); // last: it keeps the parts it calls on the hot path
        ram.addObserver(this);
        mmu.flushTlb();
        mmu.updateContexts();
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
    /** The translator's profile counters, with -Dvmckpt.jit.profile=true only; else null. */
    final TranslationProfile profile = PROFILE_UNITS ? new TranslationProfile() : null;

    /**
     * {@link #run} may return before its budget when the unit at the pc does not fit what is left of it (see
     * {@link #setBatchMayEndBeforeUnit}); false: it runs the tail in the interpreter, so a call retires its whole
     * budget unless an event ends it.
     */
    private boolean endBatchBeforeUnit;

    /**
     * Lets {@link #run} end a batch early, before a compiled unit whose entry block does not fit the rest of the
     * budget (the machine in host-time mode: the next batch starts with that unit, whole, instead of the interpreter
     * running up to its 63 instructions at the end of this batch and from the middle of its code at the start of the
     * next). An earlier end only shortens the time to the next interrupt check. Deterministic mode keeps batches at
     * multiples of {@code Machine.BATCH}, so there it would gain nothing: the machine leaves it off.
     */
    public void setBatchMayEndBeforeUnit(boolean allowed) {
        endBatchBeforeUnit = allowed;
    }

    /** Runs translated code where there is some (the default), or only the interpreter. */
    public void setTranslation(boolean enabled) {
        // Translated code accesses guest memory with the host's byte order (Unsafe): little-endian hosts only.
        enabled &= ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        if (enabled == (codeCache != null)) return;
        if (codeCache != null) codeCache.flush();
        codeCache = enabled ? new CodeCache(ram) : null;
        setTranslationInBackground(translateInBackground);
    }

    /** Units are built on the JVM's translator thread (see CodeCache); false: on this thread, when they get hot. */
    private boolean translateInBackground;

    /**
     * Whether the interpreter runs its common instructions in {@link InterpreterFastLoop} (the default, unless
     * {@code -Dvmckpt.interp.fastLoop=false}) or every instruction through its general loop (tests compare the two).
     */
    public void setInterpreterFastLoop(boolean on) {
        interpreter.setFastLoop(on);
    }

    /**
     * Builds units off the guest's thread (the default for a machine that is not deterministic), or on it: in
     * deterministic mode a unit then appears at the same instruction count in every run.
     */
    public void setTranslationInBackground(boolean background) {
        translateInBackground = background;
        if (codeCache != null) codeCache.background = background ? BackgroundTranslator.shared() : null;
    }

    /**
     * The heat an entry point needs before it is translated (default {@link CodeCache#HOT_THRESHOLD}); tests set it
     * low so that almost everything is translated.
     */
    public void setTranslationThreshold(int heat) {
        if (codeCache == null) return;
        codeCache.endBoot(); // (a threshold set explicitly holds from now on)
        codeCache.hotThreshold = Math.max(1, heat);
    }

    /**
     * A fresh kernel boot from its files starts (Machine.boot): the heat threshold is {@link CodeCache#BOOT_THRESHOLD}
     * (if set), and the hot tier decides only if {@link CodeCache#BOOT_HOT}, until this hart first runs in user mode.
     * Not for restores or migrations.
     */
    public void startBootTranslation() {
        startBootTranslation(CodeCache.BOOT_THRESHOLD, CodeCache.BOOT_HOT);
    }

    /** As above with threshold {@code heat} (0: the normal one) and hot-tier decisions or not (tests). */
    void startBootTranslation(int heat, boolean hot) {
        if (codeCache != null) codeCache.startBoot(heat, hot);
    }

    /**
     * Guest instructions a unit retires before it is translated again for the hot tier (default
     * {@link CodeCache#HOT_AFTER}; see {@link CodeCache#hot}); tests set it low. {@code Long.MAX_VALUE}: never.
     */
    public void setPromotionThreshold(long instructions) {
        if (codeCache != null) codeCache.hotAfter = Math.max(1, instructions);
    }

    /** A {@code jalr} exit's chain slot with a second way or not (CodeCache#jalrSecondWay; tests outside this package). */
    public void setJalrSecondWay(boolean on) {
        if (codeCache != null) codeCache.jalrSecondWay = on;
    }

    public boolean translationEnabled() {
        return codeCache != null;
    }

    /** With -Dvmckpt.jit.profile=true: the units that took the most time, for tuning the translator; else null. */
    public String translationProfile() {
        return PROFILE_UNITS && codeCache != null ? profile.report() + codeCache.profile() : null;
    }

    /** For --stats: C1 units' leaves before a missing access and their rebuilds (CodeCache#missLeft), or null if none. */
    public String missLeaveSummary() {
        return codeCache == null ? null : codeCache.missLeaveSummary();
    }

    /**
     * For --stats: the page walks the MMU made (paged, not M-mode), the first-way misses of loads and stores the second
     * way of the conflict ways' slots served with a swap of the ways (every swap: the slow paths', the fast loop's and
     * the interpreter's), and those slots.
     */
    public String tlbSummary() {
        long[] s = mmu.secondWayHits;
        String line = String.format("%,d page walks; second way: %,d load, %,d store misses served by the second way (swaps)",
                mmu.walks, s[ACCESS_READ], s[ACCESS_WRITE]);
        // Round 79: the conflict ways' slots, only with the switch.
        if (mmu.conflictWays != 0) line += String.format("; conflict ways (-Dvmckpt.mmu.conflictWays=%d): %,d slots two-way", mmu.conflictWays, mmu.conflictSlots);
        return line + String.format("%n");
    }

    /** With -Dvmckpt.interp.stopCounts=true: why the interpreter's fast loop stopped (InterpreterStops); else null. */
    public String interpreterStops() {
        return interpreter.stops == null ? null : interpreter.stops.report();
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
     *
     * <p>Chaining: a unit that left normally (no trap, device access, code write or event) names the exit it
     * left by ({@link #exitSlot}); that exit's chain slot remembers the unit that ran next, and is tried before
     * the code cache's lookup. It is trusted only if that unit is still live ({@link TranslatedUnit#dead} is set
     * when a write to its page or a flush drops it), the fetch TLB maps the pc to the unit's physical entry under
     * the current context (so satp writes, sfence.vma, privilege changes and restores, which all flush or retag
     * the TLB, fall back to the lookup) and its entry block fits the budget.
     */
    public int run(int budget) {
        CodeCache cc = codeCache;
        if (cc == null) return interpreter.interpret(budget, false);
        int n = 0;
        // The cache's counters of unit runs, kept here and added once per batch (below): a field's load and store after
        // the megamorphic unit call on every trip cost more than a local's. The instructions run translated are n less
        // what was not a unit's (interpreted blocks, a trap's attempt), counted on those rarer paths only.
        int chained = 0, lookedUp = 0, notInUnits = 0;
        TranslatedUnit prev = null; // the unit that just left normally, by exit prevSlot
        int prevSlot = 0;
        boolean sampled = false; // the interpreted block before ended at a jump block mode handed over
        int began = TranslationProfile.BEGAN_BATCH; // (profile only) what ran before the next interpreted block
        Mmu m = mmu;
        if (TripTrace.ON) TripTrace.batchStart();
        while (n < budget) {
            TranslatedUnit u = prev != null ? prev.chain[prevSlot] : null;
            // The chain slot's unit, if live, mapped at pc under the current context and fitting the budget. The TLB test is
            // Mmu.fetchesFrom written out: C2 compiled that call out of line here, on the path most unit exits take (its
            // bytecode is over the size C2 inlines at a site it does not see as hot; perf, docs/BENCHMARKS.md round 60).
            long vpn = pc >>> 12;
            int ti = (int) vpn & TLB_MASK;
            if (u != null && !u.dead && m.xTag[ti] == (vpn | m.fetchCtx) && (((long) m.xPhys[ti] << 12) | (pc & 0xfff)) == u.key
                    && u.entryBlockLength <= budget - n) {
                chained++;
                if (TripTrace.ON) TripTrace.found = TripTrace.FOUND_CHAIN;
                if (PROFILE_UNITS) {
                    profile.counts[TranslationProfile.CHAINED]++;
                    profile.afterJalr(0);
                }
            } else if (cc.jalrSecondWay && prev != null && prev.exitKinds[prevSlot] == TranslatedUnit.EXIT_JALR
                    && secondWayFits(prev, prevSlot, budget - n)) {
                u = prev.chain[prevSlot]; // (secondWayFits made it the first way)
                chained++;
                if (TripTrace.ON) TripTrace.found = TripTrace.FOUND_SECOND_WAY;
                if (PROFILE_UNITS) {
                    profile.counts[TranslationProfile.CHAINED]++;
                    profile.counts[TranslationProfile.SECOND_WAY]++;
                    profile.afterJalr(0);
                }
            } else {
                if (u != null && u.dead) prev.chain[prevSlot] = null; // let its class unload
                // A jump block mode sampled, or a unit's exit, stands for 16 visits; a block the batch's budget cut does not
                u = cc.lookup(this, pc, sampled || prev != null && prev.exitKinds[prevSlot] != TranslatedUnit.EXIT_BUDGET);
                // A unit whose entry block does not fit what is left of the batch: end the batch here (if allowed and
                // something ran), so that the next batch starts with the unit instead of the interpreter running the
                // tail of this one (and the next batch starting in the middle of the unit's code, interpreted too).
                if (endBatchBeforeUnit && n > 0 && u != null && u.compiled && u.entryBlockLength > budget - n
                        && u != TranslatedUnit.UNTRANSLATABLE) {
                    cc.batchesEndedBeforeUnit++;
                    if (TripTrace.ON) TripTrace.batchEnd(this, u);
                    break;
                }
                if (u == null || u.entryBlockLength > budget - n || !u.compiled && !cc.ready(u, this)) {
                    long pc0 = pc;
                    int state0 = PROFILE_UNITS ? cc.entryStateAt(this, pc0) : 0; // (before the interpreter refills the TLB)
                    int noEntry0 = PROFILE_UNITS && state0 == 1 ? cc.noEntryReason(this, pc0) : 0;
                    long ti0 = PROFILE_UNITS ? System.nanoTime() : 0;
                    if (PROFILE_UNITS) profile.afterJalr(2);
                    if (TripTrace.ON) TripTrace.beforeInterp(this);
                    int ran = interpreter.interpret(budget - n, true, cc.nextEntry(this, pc));
                    cc.interpreted(ran);
                    if (TripTrace.ON) TripTrace.interpreted(this, ran);
                    if (PROFILE_UNITS) {
                        profile.interpNanos = System.nanoTime() - ti0;
                        profile.interpreted(u, pc0, budget - n, ran, began, state0, noEntry0, instret);
                        began = TranslationProfile.BEGAN_AFTER_INTERP;
                    }
                    n += ran;
                    notInUnits += ran;
                    if ((events & EVENT_STOP) != 0) break;
                    sampled = (events & EVENT_BLOCK_END) != 0; // (or a jump to an entry or an unmapped page: no heat there)
                    prev = null;
                    continue;
                }
                if (prev != null) {
                    // A jalr's last target moves to its second way (CodeCache#jalrSecondWay); a dead one was dropped above.
                    TranslatedUnit last = prev.chain[prevSlot];
                    if (cc.jalrSecondWay && last != null && last != u && prev.exitKinds[prevSlot] == TranslatedUnit.EXIT_JALR) {
                        prev.chain[prevSlot + prev.exitKinds.length] = last;
                    }
                    prev.chain[prevSlot] = u;
                }
                lookedUp++;
                if (TripTrace.ON) TripTrace.found = TripTrace.FOUND_LOOKUP;
                if (PROFILE_UNITS) {
                    profile.counts[TranslationProfile.LOOKED_UP]++;
                    profile.afterJalr(1);
                }
            }
            if (u.untilHot <= 0) u = cc.hot(u, this, budget - n); // the hot tier: at the unit's entry (see CodeCache#hot)
            prev = null;
            sampled = false;
            events = 0;
            unitExit = false;
            inUnit = true;
            long tStart = PROFILE_UNITS ? System.nanoTime() : 0;
            int retired = u.run(this, budget - n);
            if (PROFILE_UNITS) {
                began = TranslationProfile.BEGAN_AFTER_UNIT;
                u.profNanos += System.nanoTime() - tStart;
                u.profRuns++;
                u.profInsns += retired;
            }
            inUnit = false;
            TranslatedUnit from = u; // the unit whose exit this was
            if (TripTrace.ON) TripTrace.unit(this, u, from, retired, budget - n);
            u.untilHot -= retired;
            // A run, and whether it was brief, in one field: TranslatedUnit.runCount written out. As a call C2 inlined it in
            // some compiles of this method and not in others (as it judged the call site's profile at the time), and out of
            // line it was a call and a spill of the count on every trip between units (perf, docs/BENCHMARKS.md round 62).
            u.hotRunCounts += 1L | (long) ((retired - TranslatedUnit.BRIEF_RUN) >>> 31) << 32;
            instret += retired;
            n += retired;
            if (PROFILE_UNITS) profile.counts[unitExit ? (trap ? TranslationProfile.TRAP : TranslationProfile.DEFER)
                    : retired == 0 || from == null ? TranslationProfile.TRAP : events != 0 ? TranslationProfile.EVENT : from.exitKinds[exitSlot]]++;
            if (PROFILE_UNITS && !unitExit && retired != 0 && events == 0 && from != null) {
                from.profExitCounts[exitSlot]++;
                profile.lastPc = pc;
                profile.exited(from, exitSlot, x);
            }
            if (unitExit) {
                unitExit = false;
                if (trap) {
                    if (PROFILE_UNITS) began = TranslationProfile.BEGAN_AFTER_TRAP;
                    traps.takePendingTrap();
                    n++; // the attempt counts, as in the interpreter: an endless trap loop still ends the budget
                    notInUnits++;
                } else {
                    // A device access or a write to translated code: the unit left before that instruction, and its
                    // block fitted the budget, so there is room for the interpreter to run it (n < budget here).
                    cc.deferrals++;
                    int ran = interpreter.interpret(budget - n, true);
                    // (from == u: no nested callee left; a C1 unit's leave before a missing access is one of these)
                    if (from == u && u.leavesBeforeMiss) cc.missLeft(u, this, ran);
                    n += ran;
                    notInUnits += ran;
                }
            } else if (retired == 0) {
                if (PROFILE_UNITS) began = TranslationProfile.BEGAN_AFTER_TRAP;
                n++; // an instruction run for the unit by the interpreter (execOne) trapped first thing
                notInUnits++;
            } else if (events == 0 && from != null) {
                prev = from;
                prevSlot = exitSlot;
            }
            if ((events & EVENT_STOP) != 0) {
                interruptCheckDue = true;
                break;
            }
        }
        cc.chainedRuns += chained;
        cc.unitRuns += chained + lookedUp;
        cc.translatedInstructionsRun += n - notInUnits;
        return n;
    }

    /**
     * The second way of {@code prev}'s {@code jalr} exit {@code slot} (CodeCache#jalrSecondWay): whether the unit there can
     * run now, by the chain slot's checks (live, the fetch TLB maps the pc to its key under the current context, its entry
     * block fits {@code left}). If so the two ways change places, so that the first way holds the unit about to run.
     */
    private boolean secondWayFits(TranslatedUnit prev, int slot, int left) {
        int second = slot + prev.exitKinds.length;
        TranslatedUnit w = prev.chain[second];
        if (w == null) return false;
        if (w.dead) {
            prev.chain[second] = null; // let its class unload
            return false;
        }
        if (w.entryBlockLength > left || !mmu.fetchesFrom(pc, w.key)) return false;
        TranslatedUnit first = prev.chain[slot];
        prev.chain[second] = first != null && !first.dead ? first : null;
        prev.chain[slot] = w;
        return true;
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
        int epoch = mmu.contextEpoch;
        this.pc = pc;
        inUnit = false;
        interpreter.interpret(1, false);
        inUnit = true;
        boolean retired = instret != base + retiredBefore;
        instret = base;
        boolean codeWritten = unitExit;
        unitExit = false;
        if (!retired) return 0;
        if (codeWritten || events != 0 || epoch != mmu.contextEpoch || this.pc != pc + len) return 1;
        return -1;
    }

    /** Ends the batch after the current instruction (its effects need the machine's attention). */
    void stopBatch() {
        events |= EVENT_STOP;
    }

    public boolean isWaitingForInterrupt() {
        return waitingForInterrupt;
    }

    /** True if the machine should check interrupts before the next batch (see {@link #interruptCheckDue}). */
    public boolean interruptCheckDue() {
        return interruptCheckDue;
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

    @Override
    public void flushWriteMappings() {
        mmu.flushWriteMappings();
    }

    @Override
    public void pageReplaced(int pageIndex) {
        mmu.pageReplaced(pageIndex);
    }

    @Override
    public void flushAllMappings() {
        mmu.flushTlb();
        if (codeCache != null) codeCache.flush();
    }

    @Override
    public void codePageWritten(int pageIndex) {
        if (codeCache != null) {
            int dropped = codeCache.invalidatePage(pageIndex);
            if (PROFILE_UNITS) profile.invalidated(pageIndex, dropped, instret, inUnit, pc);
        }
        unitExit = true; // a unit running now may be running that code: it leaves before the writing instruction
    }

    /**
     * A page became a code page, or was filled from a known source: no write mapping of it may stay cached
     * (writes must reach GuestMemory).
     */
    @Override
    public void dropWriteMappings(int pageIndex) {
        mmu.dropWriteMappings(pageIndex);
    }

    void setPriv(int p) {
        priv = p;
        mmu.updateContexts();
        if (p == PRIV_U && codeCache != null && codeCache.booting) codeCache.endBoot(); // the boot reached user space
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
        return traps.checkInterrupts();
    }

    /** Drops every TLB entry (SBI remote fences). */
    public void flushTlb() {
        mmu.flushTlb();
    }

    // ================================================================== who may write the TLB

    /**
     * Test switch ({@code -Dvmckpt.mmu.checkOwner=true}): every TLB write that can come from outside the
     * instruction path (the {@link MemoryObserver} calls, {@link #flushTlb}, sfence.vma) checks that it runs on
     * {@link #owner}'s thread, or that no thread owns the hart; else it fails loudly (on stderr, counted in
     * {@link #ownerViolations}, and an {@link IllegalStateException} to the writer). Why: the fast paths load a tag,
     * then its page; a writer on another thread between the two loads hands them a null page (a host crash, round 67)
     * or a stale one (a store that misses copy-on-write). Off: the checks fold away.
     */
    static final boolean CHECK_OWNER = Boolean.getBoolean("vmckpt.mmu.checkOwner");
    private static final java.util.concurrent.atomic.AtomicLong OWNER_VIOLATIONS = new java.util.concurrent.atomic.AtomicLong();
    /** The thread running this hart's machine ({@code Machine.run} sets it for its whole run), or null. */
    private volatile Thread owner;

    /**
     * The thread that runs this hart from now on (the run loop, as it starts), or null as it ends. While a thread owns
     * the hart, its TLB is that thread's alone: others reach it through the run loop ({@code Machine.submit}).
     */
    public void setOwner(Thread t) {
        owner = t;
    }

    /** TLB writes from a thread other than the owner seen so far, with {@link #CHECK_OWNER} (0 without it). */
    public static long ownerViolations() {
        return OWNER_VIOLATIONS.get();
    }

    /** The {@link #CHECK_OWNER} check: {@code what} writes the TLB on this thread. Only called when it is on. */
    void checkOwner(String what) {
        Thread o = owner;
        Thread me = Thread.currentThread();
        if (o == null || o == me) return;
        OWNER_VIOLATIONS.incrementAndGet();
        IllegalStateException e = new IllegalStateException("vmckpt.mmu.checkOwner: hart " + hartId + "'s TLB written ("
                + what + ") by thread \"" + me.getName() + "\" while thread \"" + o.getName() + "\" runs it");
        e.printStackTrace();
        throw e;
    }

    long csrRead(int csr, int insn) {
        return csrs.read(csr, insn);
    }

    void csrWrite(int csr, long v, int insn) {
        csrs.write(csr, v, insn);
    }

    long translate(long va, int access) {
        return mmu.translate(va, access);
    }

    @Override
    public void setInterruptPending(long mask, boolean level) {
        if (level) mip |= mask; else mip &= ~mask;
    }

    public long mip() { return mip; }
    public long mie() { return mie; }
    public long mstatus() { return csrs.readMstatus(); }
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
        // As OpenSBI does for a hart with Zicboz: the supervisor may zero cache blocks (it sets senvcfg for its users).
        if (cbozBlock != 0) menvcfg |= ENVCFG_CBZE;
        mstatus = (mstatus & ~MPP) | ((long) PRIV_S << MPP_SHIFT);
        x[10] = a0;
        x[11] = a1;
        pc = entry;
        setPriv(PRIV_S);
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
        scounteren = csrs[i++]; senvcfg = csrs[i++]; satp = mmu.maskSatp(csrs[i]);
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
        mmu.flushTlb();
        mmu.updateContexts();
    }
}
