package org.vmckpt.machine.cpu;

import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.List;

import static org.objectweb.asm.Opcodes.*;

/**
 * Translates a region of guest code into a {@link TranslatedUnit}: JVM bytecode that HotSpot compiles.
 *
 * <p><b>Region.</b> From the entry offset, every instruction of the same 4 KiB page (and of the next virtual page,
 * if the fetch TLB mapped it when the entry got hot) reachable by falling through or by a direct branch or jump, up
 * to {@link #MAX_INSTRUCTIONS}, found breadth-first by blocks (a region the limit cuts leaves out targets before its
 * entry: see {@link #discover}). Where the limit cuts it, a loop's head gets the whole loop instead
 * ({@link #MAX_LOOP_INSTRUCTIONS}) and a straight line goes on to its end or the next loop's head
 * ({@link #MAX_STRAIGHT_INSTRUCTIONS}). Branches and jumps inside the region are JVM jumps,
 * so a loop stays inside one compiled method. The unit enters the second page only where the fetch TLB still maps
 * it to the physical page it was translated from ({@link #crossingTo}). Everything else leaves the unit: indirect jumps, targets outside the region, and
 * instructions that change privilege or translation (ecall, ebreak, xRET, wfi, sfence.vma) are left to the
 * interpreter. The region holds no absolute virtual address: the code computes pc-relative values from the page
 * base it is entered at, so one translation serves every virtual mapping of its physical page.
 *
 * <p><b>Registers.</b> Every guest register the region uses lives in a JVM local, loaded at entry and written
 * back at every exit. x0 is a constant.
 *
 * <p><b>Exact counts.</b> A block (a run of instructions entered only at its top) that is a check point
 * ({@link #checkNeeds}: the entry, a loop's head) starts with a budget check: if the longest run from it to the next
 * check point does not fit in what is left, the unit exits before it. So a unit never retires more than its budget
 * and the interpreter runs the tail. A memory access that traps, touches a device, or writes a page
 * holding translations makes the unit exit before that instruction with the exact count ({@link Hart#unitExit});
 * the dispatcher then takes the trap or lets the interpreter run the instruction.
 *
 * <p><b>Semantics shared with the interpreter.</b> ALU operations are calls to {@link Alu} (but for the word shifts,
 * {@link #emitWordShift}, the branch conditions, {@link #emitBranch}, in C1 units sltu and the high products,
 * {@link #emitSetLessThanUnsigned}, {@link #emitMulHigh}, and in hot-tier units the simplest operations,
 * {@link #emitPlainAlu}, {@link #emitSetLessThan} ({@link #inlineAluNow}), written out as JVM operations with the same
 * definition, which tests compare with Alu's on edge operands);
 * loads and stores call the hart's own TLB fast paths; every other instruction (CSR, atomics, floating point, fences
 * with effects, illegal encodings) calls {@link Hart#execOne}, which runs the interpreter on it. Nothing is
 * implemented twice.
 */
final class Translator {
    /**
     * Guest instructions per unit at most (lowered for a region whose bytecode would be too large). Large enough for
     * a hot loop and its exits, small enough that little cold code is compiled with it: 64 against 200 made the CPU
     * benchmark's fork phase 12% faster and its compute phase 3% faster; 32 made compute 40% slower.
     */
    static final int MAX_INSTRUCTIONS = Integer.getInteger("vmckpt.jit.maxInstructions", 64);
    /** HotSpot does not compile methods larger than 8000 bytes of bytecode (HugeMethodLimit); stay below. */
    static final int MAX_BYTECODE = 7600;
    /**
     * and, or, xor of word-valued registers as int operations ({@link #emitWordLogic}); on by default,
     * {@code -Dvmckpt.jit.wordLogic=false}: off. SHA-256's rotates run faster per instruction in both tiers; the signed
     * module phase's run thread leaned lower (18 of 30 pairs at load 4-15: docs/BENCHMARKS.md round 42), and was lower in
     * 6 of 6 quiet same-jar pairs (round 43).
     */
    static final boolean WORD_LOGIC = !"false".equals(System.getProperty("vmckpt.jit.wordLogic"));
    /** {@link #WORD_LOGIC} for the unit being built (CodeCache#wordLogic: tests set it per cache). */
    boolean wordLogic = WORD_LOGIC;

    private static final String HART = "org/vmckpt/machine/cpu/Hart";
    private static final String MMU = "org/vmckpt/machine/cpu/Mmu";
    private static final String ALU = "org/vmckpt/machine/cpu/Alu";
    private static final String UNIT = "org/vmckpt/machine/cpu/TranslatedUnit";
    private static final String PROFILE = "org/vmckpt/machine/cpu/TranslationProfile";
    private static final String NAME = "org/vmckpt/machine/cpu/Unit";
    /**
     * The class name of units built on the translator thread ({@link BackgroundTranslator}): still {@code Unit*} (C1
     * only), and matched first by the directive that makes their C1 compiles blocking, so that the translator thread
     * waits for each one (UnitCompilerDirectives, HotSpotCompiler); units built on the guest's thread are not blocked on.
     */
    static final String BACKGROUND_NAME = "org/vmckpt/machine/cpu/UnitBg";
    /**
     * The hot tier's class name: outside the C1-only directive's {@code Unit*} pattern (UnitCompilerDirectives), so
     * that HotSpot's C2 compiles the few units that run most of the guest's instructions.
     */
    static final String HOT_NAME = "org/vmckpt/machine/cpu/HotUnit";
    /** Guest instructions per hot-tier unit at most (the same region as the unit it replaces, by default). */
    static final int MAX_HOT_INSTRUCTIONS = Integer.getInteger("vmckpt.jit.hotMaxInstructions", MAX_INSTRUCTIONS);
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    // Local variable slots of the generated run(Hart, int) method.
    private static final int L_HART = 1, L_BUDGET = 2, L_N = 3, L_VBASE = 4, L_EXITPC = 6, L_TMP = 8, L_X = 10, L_RESULT = 11,
            L_RTAG = 12, L_RPAGE = 13, L_WTAG = 14, L_WPAGE = 15, L_VA = 16, L_IDX = 18, L_OFF = 19, L_MMU = 20,
            L_UNUSED = 21; // (21-22: round 46's context local, contextLocal, retired in round 84)
    private static final int L_REG0 = 23; // register r (1..31) lives in slot L_REG0 + 2 * (r - 1)
    /** The access groups' locals ({@link #groupPageSlot}), then {@link #crossOnce}'s: after the registers'. */
    private static final int L_PAGES0 = L_REG0 + 62;

    /**
     * The second page's check once per call into the hart, in hot-tier units ({@code -Dvmckpt.jit.crossOnce=true}; off
     * by default; round 68). A unit whose region runs on into the page after its first checks, at every jump into that
     * page, that the fetch TLB still maps it to the physical page the code was translated from ({@link #crossingTo}):
     * ~20 x86 instructions in C2's code (the {@code Mmu}'s {@code xTag} and {@code xPhys}, their null and bounds
     * checks, the compares), every iteration of a loop that spans the two pages, such as busybox's SHA-256 round loop
     * (docs/BENCHMARKS.md round 67, compute67's (b)). What the check reads ({@code xTag}, {@code xPhys},
     * {@code fetchCtx}) changes only on the guest's thread, in calls the unit makes into the hart or the MMU (a slow
     * path, an instruction the interpreter runs) or between units;
     * so with this a passed check is remembered in an int local ({@code L_XOK}, 0 at entry) until the next such call
     * ({@link #forgetAfterCall} clears it), and a jump into the second page checks only when the local is 0.
     */
    static volatile boolean crossOnce = Boolean.getBoolean("vmckpt.jit.crossOnce");
    /** {@link #crossOnce} for the unit being generated: a hot-tier unit with instructions in its second page. */
    private boolean crossOnceNow;
    /** The slot of {@link #crossOnce}'s local: after the access groups' slots. */
    private int crossOkSlot;
    /** Hot-tier builds with {@link #crossOnce}'s local (for tests). */
    static final java.util.concurrent.atomic.AtomicLong crossOnceUnits = new java.util.concurrent.atomic.AtomicLong();

    /**
     * Access groups ({@code -Dvmckpt.jit.accessGroups}; round 64; **on by default since round 66, in hot-tier units only**
     * ({@link #accessGroupsHotOnly}); {@code =false}: off): in a block, the loads (or the
     * stores) through one base register that does not change between them, within {@link AccessGroups#MAX_SPAN} bytes,
     * share one TLB check at the group's first access: the entry of the group's lowest address and its whole span
     * inside that page. A hit keeps the page array and the span's page offset in two locals, and each access of the
     * group is then a null test of the local and an Unsafe access at a constant distance from the offset. A miss (or a
     * span that crosses the page) leaves the local null, and each access of the group takes its own slow path: its own
     * TLB check, as without groups ({@link #accessGroupFallback}, round 65), then the hart's full access (TLB fill, page
     * walk, faults, devices). Any slow path's call forgets the groups open across it
     * (the TLB may have changed). Why: the signed guest's SHA-256 loads its message words
     * a byte at a time ({@code lbu}, 40 of one loop's 173 instructions, 8 {@code sw}); that hot-tier unit ran at ~1.5
     * ns per guest instruction where the round loop ran at ~0.4 (docs/BENCHMARKS.md round 64). Both tiers, or the hot tier
     * alone ({@link #accessGroupsHotOnly}, the default). History: round 64's quiet slot had the signed module phase lower in 21 of 22 pairs and the default compute phase
     * in 9 of 14, but the default boot level (10 of 19); round 65's, with round 64's compactEmit, the signed fork phase
     * longer in 3 of 3 pairs (docs/BENCHMARKS.md round 65). Tests change it. Not in C1
     * units that leave before a miss ({@link #compactLeaveNow}): with both, the default guest's units took 21.5 M
     * misses (11.4 M leaves) to {@code compute-end} where either alone took 0.12-0.14 M; without groups in those
     * units, 1.29 M (round 65's untimed counts on a loaded host; why the two meet so was not found).
     */
    static volatile boolean accessGroups = accessGroupsProperty();

    /** {@link #accessGroups} as the JVM's properties set it (the default when unset); tests restore the switch from it. */
    static boolean accessGroupsProperty() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.jit.accessGroups", "true"));
    }
    /**
     * With {@link #accessGroups}: groups only in hot-tier (C2) units ({@code -Dvmckpt.jit.accessGroupsHotOnly}, off). Why:
     * round 65 measured groups worth ~0.6 s of the signed module phase, almost all of it in hot-tier units, while the
     * signed guest's fork phase (short-lived code, C1 units) was slower with them; this is the A/B between the two.
     * **On by default since round 66** (with {@link #accessGroups}; {@code =false}: groups in C1 units too): round 66's quiet
     * slot, run-thread CPU against main, both on: the signed module phase, both compute phases and both fork phases lower
     * in 8-9 of 11-12 pairs, the default module phase and boot level over 34 pairs, the signed boot higher in 6 of 11;
     * the lead's 8 more signed pairs: modules 8 of 8 lower, boot 4 of 8 (slow outliers on both sides this time), so over
     * 19 pairs the signed boot is level (medians 2.39/2.39 and 2.30/2.33 s); docs/BENCHMARKS.md round 66. Tests set it.
     */
    static volatile boolean accessGroupsHotOnly = accessGroupsHotOnlyProperty();

    /** {@link #accessGroupsHotOnly} as the JVM's properties set it (the default when unset). */
    static boolean accessGroupsHotOnlyProperty() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.jit.accessGroupsHotOnly", "true"));
    }
    /** {@link #accessGroups} as the unit being built began. */
    private boolean accessGroupsNow;
    /**
     * With {@link #accessGroups}: a grouped access whose group's page is null (the group's check missed, or its span
     * crosses a page) first makes its own TLB check, the one it has without groups, out of line in its slow path, and
     * takes the hart's full access only if that misses ({@code -Dvmckpt.jit.accessGroupFallback=false}: straight to the
     * full access, round 64's code). Why: a pointer walking memory meets a group across a page once a page, and then
     * every access of the group went to the hart (the default guest to {@code compute-end}: 7.08 M slow paths with
     * groups against 0.16 M without, round 64); with this such a group costs what its accesses cost without groups,
     * plus a null test each. A hit changes nothing the groups hold (no call into the hart), so nothing is forgotten.
     * (C1 units that leave before a miss have no groups: {@link #accessGroups}.)
     */
    static volatile boolean accessGroupFallback = !"false".equals(System.getProperty("vmckpt.jit.accessGroupFallback"));
    /** {@link #accessGroupFallback} as the unit being built began. */
    private boolean groupFallbackNow;
    /** The access groups of each block (by leader / 2) of the unit being generated, or null without them. */
    private AccessGroups[] blockGroups;
    /** The most access groups any block of the unit being generated has (their locals follow the registers'). */
    private int groupSlots;
    /** The access groups of all blocks of the unit being generated. */
    private int groupCount;
    /** The groups of the block being emitted (null: none), and the index in it of the instruction being emitted. */
    private AccessGroups groupsNow;
    private int indexNow;

    /**
     * C1 units that leave before a missing access ({@link #c1MissLeaves}) in compact access and exit code (round 64's
     * {@code compactEmit} and {@code compactMissLeaves}, whose switches were retired in round 83: they gave the same
     * code to every unit, hot ones too, and were not shown faster, docs/BENCHMARKS.md rounds 64-67). (1) The TLB tag
     * is compared with the page number of the access's <i>last</i> byte ({@code (va + size - 1) >>> 12}) at the index of
     * its first: an access that crosses its page then misses (a valid entry's tag has its index in its low bits, and
     * the last byte's page has the next index), so the separate page-offset check and its branch go. (2) The address in
     * the page is {@code (va & 0xfff) + BYTE_BASE} on the stack, not through a local. (3) A load or store that misses
     * the TLB's fast path (or crosses its page) leaves the unit <i>before</i> the access, as a device access does: the
     * slow path is a page offset, a count to take back and a jump to one tail per unit that sets {@code Hart.unitExit},
     * so the dispatcher lets the interpreter run the access (and its TLB fill) and on (Hart#run's deferral, counted with
     * the deferrals); an access through a base-register page keeps its slow path, whose "the hart asked to leave" exit
     * names its page offset and the instructions it takes back in one int ({@link #compactExit}).
     */
    private boolean compactLeaveNow;
    /**
     * Round 64's compact access code with its leaves before a miss ({@link #compactLeaveNow}), in C1 units only
     * ({@code -Dvmckpt.jit.c1MissLeaves}; round 67; <b>on by default since round 68</b>, with {@link CodeCache#C1_MISS_REBUILD} at 128; {@code =false} turns it off): the hot tier's code stays as without them (its slow paths, its access groups). Why: C1's time
     * per unit is mostly the slow paths' calls and their joins (C1's linear scan splits every value live across a call,
     * and the JVM state at each call keeps every guest register alive to it): the same units compiled in one JVM took
     * C1 a quarter less CPU with the units leaving before a miss (UnitCompileCostBench on a signed boot's 387 units,
     * docs/BENCHMARKS.md round 67), while the compact code in the hot tier was what round 65 could not clear of the
     * signed fork phase's loss. Off: round 67's quiet slot had the boots' run thread lower (signed 29 of 35 pairs, default
     * 10 of 11) and the other phases level or lower, but the default guest's fork phase higher at the median on 5 pairs.
     * On since round 68: with the rebuild of units that leave often (c1ml68's quiet slot, run-thread CPU against main:
     * signed boot lower in 26 of 31 pairs, signed modules 21 of 31, default boot 9 of 14, default compute 10 of 14,
     * default fork 7 of 14; docs/BENCHMARKS.md round 68). Tests change it.
     */
    static final boolean C1_MISS_LEAVES = !"false".equals(System.getProperty("vmckpt.jit.c1MissLeaves"));
    /** See {@link #C1_MISS_LEAVES}; tests change it. */
    static volatile boolean c1MissLeaves = C1_MISS_LEAVES;

    /**
     * The simplest ALU operations as JVM instructions in hot-tier units (round 53; the rule since, its switch
     * {@code -Dvmckpt.jit.inlineAlu=off|all} retired in round 84; C1 units call {@link Alu}): add, sub, and,
     * or, xor, sll, srl, sra, addw, subw, mul, mulw and their immediate forms ({@link #emitPlainAlu}), and slt, sltu as a
     * compare and a two-way store ({@link #emitSetLessThan}). A call of an Alu helper is 3 bytes of bytecode and 4-50
     * more of C2's inlining budget (DesiredMethodLimit, 8,000 bytes; round 51); the instruction is 1 byte and
     * takes none. ECDSA's 6ae59a, the signed guest's largest build, left 25 calls to the budget and took C2 0.41 s; with
     * this none, 0.15-0.23 s; the signed module phase's run thread was lower in 21 of 32 pairs, its boot in 18 of 32, the
     * compute phase in 11 of 16 (4 of 4, -4%, in the least loaded series; load 1.8-10, mostly not quiet:
     * docs/BENCHMARKS.md round 53). In C1 units it was not shown to help (C1
     * inlines the helpers anyway; {@code all}: compute lower in 1 of 4).
     */
    private boolean inlineAluNow;

    /**
     * The TLB's four arrays null-checked once in a hot-tier unit's prologue ({@code -Dvmckpt.jit.hotTlbNonNull}; round
     * 85; <b>on by default since round 85</b>, {@code =false} turns it off): an {@code arraylength} of each, dropped.
     * Why: C2's parser then holds each array's local as a not-null value (the null check's cast replaces it in the JVM
     * state), and the locals are never stored again, so every access in the unit knows its tag and page arrays are not
     * null. Without it, each access null-checks the arrays it reads and a loop's back edge reloads the tag array's
     * length behind its null check (with {@code -XX:PerMethodTrapLimit=0} C2 cannot hoist a null check out of a loop):
     * gzip's chain step was 116 x86 instructions, 103 with it; round 85's slot had the default guest's compute phase
     * lower in 10 of 11 pairs (p 0.012), the signed guest's level (5 of 10), no phase higher (docs/BENCHMARKS.md round
     * 85, gzip85). C1 units are unchanged.
     */
    static final boolean HOT_TLB_NON_NULL = !"false".equals(System.getProperty("vmckpt.jit.hotTlbNonNull"));
    /** See {@link #HOT_TLB_NON_NULL}; tests change it. */
    static volatile boolean hotTlbNonNull = HOT_TLB_NON_NULL;
    /** {@link #hotTlbNonNull} for the unit being built (a hot-tier unit only). */
    private boolean tlbNonNullNow;

    /**
     * The next C1 build has the slow paths' calls, as without {@link #c1MissLeaves}: the
     * code cache's rebuild of a C1 unit that left before a miss too often (CodeCache#missLeft, round 68). Set by the
     * caller before {@link #translate}, per build.
     */
    boolean c1Calls;

    /**
     * The bytecode C2 inlines for one call of an {@code Alu} helper, on average: most are 4-6 bytes ({@code add},
     * {@code sll}), {@code sltu} 50 with the JDK methods it calls; the signed guest's large builds inlined 7-8 per call
     * (round 51: 6ae59a 480 bytes for 64 calls, gzip's 6dd1c 200 for 28).
     */
    static final int ALU_CALL_INLINE = 8;

    /**
     * Loads and stores that hit the TLB access the page array directly through Unsafe: HotSpot's C1, which compiles
     * units, turns these calls into single machine loads and stores, while a VarHandle or a call to the hart's
     * access methods would cost a call (and the spill of every guest register held in a host register). Safe
     * because the code checks the offset against the page size first (pages are always 4096 bytes).
     */
    private static final String UNSAFE = "sun/misc/Unsafe";
    private static final long BYTE_BASE = Mmu.BYTE_BASE; // one offset for every Unsafe page access (Mmu, Interpreter, units)
    private static final long LONG_BASE = Hart.UNSAFE.arrayBaseOffset(long[].class);

    // What an instruction is, for translation.
    static final int ALU_REG = 1, ALU_IMM = 2, LUI = 3, AUIPC = 4, JAL = 5, JALR = 6, BRANCH = 7, LOAD = 8,
            STORE = 9, NOP = 10, HELPER = 11;

    /** One decoded instruction of a region. */
    record Insn(int off, int bits, int len, int kind) { }

    /** Bytecode emitted last time (for tests and statistics). */
    int lastBytecodeSize;
    /** The entry of the unit generated last time (for tests: {@link #liveInstructionsOfLastUnit}). */
    private int lastEntryOff;
    /** The class file generated last time (for tests: which methods a unit calls). */
    byte[] lastClassBytes;

    /** The class name of this translator's (not hot) units: {@link #NAME}, or {@link #BACKGROUND_NAME}. */
    private final String unitName;

    Translator() {
        this(NAME);
    }

    Translator(String unitName) {
        this.unitName = unitName;
    }

    /**
     * Translates the region entered at {@code entryOff} of a page whose bytes are {@code page}. Returns null
     * if the first instruction cannot start a unit (the interpreter runs it).
     */
    TranslatedUnit translate(byte[] page, int pageIndex, int entryOff) {
        return translate(page, pageIndex, null, -1, entryOff);
    }

    /**
     * As {@link #translate(byte[], int, int)}, and the region may go on into the next virtual page, whose physical
     * page is {@code nextIndex} with the bytes {@code next} (null: the region stays in its page). The unit enters
     * the second page only after checking that the fetch TLB maps it there under the current context.
     */
    TranslatedUnit translate(byte[] page, int pageIndex, byte[] next, int nextIndex, int entryOff) {
        return translate(page, pageIndex, next, nextIndex, entryOff, false);
    }

    /** The class name of the unit being generated: {@link #unitName}, or {@link #HOT_NAME} for the hot tier. */
    private String className = NAME;

    /**
     * As {@link #translate(byte[], int, byte[], int, int)}; {@code hot}: a hot-tier unit ({@link #HOT_NAME}, regions
     * of up to {@link #MAX_HOT_INSTRUCTIONS}), which HotSpot may compile with C2.
     */
    TranslatedUnit translate(byte[] page, int pageIndex, byte[] next, int nextIndex, int entryOff, boolean hot) {
        return translate(page, pageIndex, next, nextIndex, entryOff, hot, MAX_LOOP_INSTRUCTIONS, MAX_STRAIGHT_INSTRUCTIONS);
    }

    /**
     * As {@link #translate(byte[], int, byte[], int, int, boolean)}, with loops of at most {@code maxLoop} instructions
     * and straight lines of at most {@code maxStraight} as regions ({@link #MAX_LOOP_INSTRUCTIONS},
     * {@link #MAX_STRAIGHT_INSTRUCTIONS}; 0: none, as tests of chains of units ask their cache).
     */
    TranslatedUnit translate(byte[] page, int pageIndex, byte[] next, int nextIndex, int entryOff, boolean hot, int maxLoop,
                             int maxStraight) {
        return translate(page, pageIndex, next, nextIndex, entryOff, hot, maxLoop, maxStraight, LOCAL_BRANCH_BYTES);
    }

    /**
     * As {@link #translate(byte[], int, byte[], int, int, boolean, int, int)}; a straight line may hold branches that go
     * at most {@code localBytes} forwards or back ({@link #LOCAL_BRANCH_BYTES}; 0: none, the rule until round 23).
     */
    TranslatedUnit translate(byte[] page, int pageIndex, byte[] next, int nextIndex, int entryOff, boolean hot, int maxLoop,
                             int maxStraight, int localBytes) {
        className = hot ? HOT_NAME : unitName;
        compactLeaveNow = !hot && !c1Calls && c1MissLeaves;
        accessGroupsNow = accessGroups && !compactLeaveNow && (hot || !accessGroupsHotOnly); // (see accessGroups: not in C1 units that leave before a miss)
        groupFallbackNow = accessGroupFallback;
        inlineAluNow = hot; // (the ALU's simplest operations as JVM instructions in hot-tier units: see inlineAluNow)
        tlbNonNullNow = hot && hotTlbNonNull;
        byte[] code = page;
        limit = 4096;
        if (next != null) {
            code = java.util.Arrays.copyOf(page, 8192);
            System.arraycopy(next, 0, code, 4096, 4096);
            limit = 8192;
        }
        this.nextIndex = nextIndex;
        int first = hot ? MAX_HOT_INSTRUCTIONS : MAX_INSTRUCTIONS;
        TranslatorRegion cut = discover(code, entryOff, first, limit, 0);
        if (cut.size() >= first) {
            cut = discover(code, entryOff, first, limit, entryOff); // the region it would be
            // A loop through the entry that the instruction limit would cut: the whole loop, if it fits (MAX_LOOP_INSTRUCTIONS).
            for (int cap = maxLoop; cap > first; cap /= 2) {
                Insn[] ordered = loopOrder(code, entryOff, limit, cap);
                TranslatorRegion loop = ordered == null ? null : firstOf(ordered, cap);
                if (loop == null || cut.containsAll(loop)) break; // no loop, or the cut holds it
                TranslatedUnit u = build(code, loop, pageIndex, entryOff, hot, MAX_BYTECODE);
                if (u != null) return u; // else too large: a smaller cap keeps the shortest cycles
            }
            // A straight line that the limit cuts: more of it, up to the next loop's head (MAX_STRAIGHT_INSTRUCTIONS).
            if (maxStraight > first && straight(cut, entryOff, localBytes)) {
                for (int cap = maxStraight; cap > first; cap = cap * 3 / 4) {
                    TranslatorRegion line = straightRegion(code, entryOff, limit, cap, maxLoop, localBytes);
                    // (Shorter than the cut: it stops at a loop's head, whose own unit runs the loop from its start.)
                    if (line.isEmpty() || line.size() == first) break;
                    // (A line with local branches runs its small loops inside the unit: more instructions per run for its bytecode,
                    // so it gets the loop regions' bound.)
                    TranslatedUnit u = build(code, line, pageIndex, entryOff, hot, straight(line, entryOff, 0)
                            ? Math.min(MAX_STRAIGHT_BYTECODE, MAX_BYTECODE) : MAX_BYTECODE);
                    if (u != null || line.size() < first) return u;
                }
            }
        }
        for (int max = first; max >= 8; max /= 2) {
            TranslatorRegion region = cut; // (at the first limit: found above)
            if (max < first) {
                region = discover(code, entryOff, max, limit, 0);
                // A region the limit cuts does not go back before its entry (see discover).
                if (region.size() >= max) region = discover(code, entryOff, max, limit, entryOff);
            }
            if (region.isEmpty()) return null;
            TranslatedUnit u = build(code, region, pageIndex, entryOff, hot, MAX_BYTECODE);
            if (u != null) return u; // else too large: try a smaller region
        }
        return null;
    }

    /**
     * The instructions of {@code region} the unit can reach from {@code entryOff} over the jumps it is generated with:
     * branches, jumps and falling through to an instruction of the region, a jalr's compares with the return points of
     * the region's calls ({@link #returnPointsOf}). Again until nothing
     * more is dropped (a call dropped takes its return point out of the jalrs' compares). {@code region} itself if all
     * of it is reachable.
     */
    private TranslatorRegion reachableFromEntry(TranslatorRegion region, int entryOff) {
        for (;;) {
            List<Insn> calls = new ArrayList<>();
            for (Insn in : region.values()) {
                long t = in.off + Decode.immJ(in.bits);
                if (isCall(in, limit) && region.containsKey((int) t) && region.containsKey(in.off + in.len)) calls.add(in);
            }
            boolean[] seen = new boolean[limit / 2];
            int[] queue = new int[region.size()];
            int head = 0, tail = 0;
            seen[entryOff / 2] = true;
            queue[tail++] = entryOff;
            while (head < tail) {
                Insn in = region.get(queue[head++]);
                long[] next = successors(in);
                if (in.kind == JALR && !calls.isEmpty()) {
                    int[] points = returnPointsOf(in.off, calls, limit);
                    next = new long[points.length];
                    for (int k = 0; k < points.length; k++) next[k] = points[k];
                }
                for (long t : next) {
                    if (t < 0 || t >= limit || seen[(int) t / 2] || !region.containsKey((int) t)) continue;
                    seen[(int) t / 2] = true;
                    queue[tail++] = (int) t;
                }
            }
            if (tail == region.size()) return region;
            TranslatorRegion reached = new TranslatorRegion();
            for (Insn in : region.values()) if (seen[in.off / 2]) reached.put(in.off, in);
            region = reached;
        }
    }

    /** The instructions of the last unit built that its entry reaches (for tests: its live code), by {@link #reachableFromEntry}. */
    int liveInstructionsOfLastUnit() {
        return reachableFromEntry(region, lastEntryOff).size();
    }

    /** The unit of {@code region} entered at {@code entryOff}, or null if its bytecode would be over {@code maxBytecode}. */
    private TranslatedUnit build(byte[] code, TranslatorRegion region, int pageIndex, int entryOff, boolean hot,
                                 int maxBytecode) {
        byte[] classBytes = generate(region, entryOff, maxBytecode);
        int inlineTotal = lastBytecodeSize + aluCallBytes;
        if (classBytes == null) return null;
        if (census != null) TranslatorCensus.add(census);
        TranslatedUnit u = define(classBytes);
        u.pageIndex = pageIndex;
        u.nextPageIndex = region.lastKey() >= 4096 ? nextIndex : -1;
        u.instructionCount = region.size();
        u.entryBlockLength = entryBlockLength;
        u.chain = new TranslatedUnit[2 * exitSlots]; // (a second way per exit: TranslatedUnit#chain)
        u.exitKinds = java.util.Arrays.copyOf(exitKinds, exitSlots);
        if (Hart.PROFILE_UNITS) {
            u.profExitCounts = new long[exitSlots];
            u.profExitOffsets = java.util.Arrays.copyOf(exitOffsets, exitSlots);
            u.profExitCalls = java.util.Arrays.copyOf(exitCalls, exitSlots);
            u.profCode = code.clone();
            u.profFirst = region.firstKey();
            u.profLast = region.lastKey() + region.get(region.lastKey()).len;
            u.profRegsLoaded = Integer.bitCount(usedRegs);
            u.profRegsStored = Integer.bitCount(writtenRegs);
        }
        u.bytecodeSize = lastBytecodeSize;
        u.accessGroups = groupCount;
        u.inlineTotal = inlineTotal;
        u.hot = hot;
        u.leavesBeforeMiss = compactLeaveNow && compactMissLabel != null; // (likewise)
        return u;
    }

    // ------------------------------------------------------------------ decoding and region discovery

    /** Reads the instruction at {@code off}, or null if it does not lie wholly in the page. */
    static Insn decodeAt(byte[] page, int off, int limit) {
        if (off < 0 || off > limit - 2) return null;
        int lo = (page[off] & 0xff) | (page[off + 1] & 0xff) << 8;
        int len = Decode.length(lo);
        int bits;
        if (len == 4) {
            // (An instruction across the boundary between the two pages is left out: each page's code is entered
            // only under its own check.)
            if (off > limit - 4 || off == 4094) return null;
            bits = lo | ((page[off + 2] & 0xff) | (page[off + 3] & 0xff) << 8) << 16;
        } else {
            bits = Compressed.expandCached(lo); // 0: illegal, the interpreter raises it
            if (bits == 0) return new Insn(off, 0, 2, HELPER);
        }
        return new Insn(off, bits, len, kindOf(bits));
    }

    /** The translation kind of a 32-bit encoding, or 0 if the region must end before it. */
    private static int kindOf(int insn) {
        switch (Decode.opcode(insn)) {
            case 0x37: return LUI;
            case 0x17: return AUIPC;
            case 0x6f: return JAL;
            case 0x67: return Decode.funct3(insn) == 0 ? JALR : HELPER;
            case 0x63: return Decode.branchOperation(insn) != null ? BRANCH : HELPER;
            case 0x03: return Decode.funct3(insn) != 7 ? LOAD : HELPER;
            case 0x23: return Decode.funct3(insn) <= 3 ? STORE : HELPER;
            case 0x13: case 0x1b: return Decode.aluOperation(insn) != null ? ALU_IMM : HELPER;
            case 0x33: case 0x3b: return Decode.aluOperation(insn) != null ? ALU_REG : HELPER;
            case 0x0f: return Decode.funct3(insn) <= 1 ? NOP : HELPER; // fence, fence.i: code writes are tracked exactly
            case 0x73:
                // ecall, ebreak, mret, sret, wfi, sfence.vma change privilege, translation or wait: the interpreter
                // runs them between units. CSR accesses are helpers inside the unit.
                return Decode.funct3(insn) == 0 ? 0 : HELPER;
            default:
                return HELPER; // atomics, floating point, illegal encodings
        }
    }

    /**
     * The region: blocks in breadth-first order from the entry (at a conditional branch, its target's block before
     * the fall-through's), so that when the limit cuts the region, the short paths that close a loop are in it
     * rather than the longest straight line. Targets before {@code lowest} are left out: a region that the instruction
     * limit cuts is found again with {@code lowest} at its entry (round 17; {@code -Dvmckpt.jit.backBeforeEntry}, the rule
     * before it, was retired in round 83). A unit entered inside a loop longer than itself (the continuation of a unit the
     * limit cut) had run on through the back edge into the loop's head and stopped {@link #MAX_INSTRUCTIONS} later, at an
     * offset that moved by the loop's length (mod the limit) each iteration: SHA-256's unrolled loops in module loading
     * got 168 units in one page. Now such a unit leaves at the back edge for the unit at the loop's head, so a long loop
     * has one chain of units. A region that fits whole (a short loop nest entered at its inner loop) still takes in the
     * code before its entry.
     */
    private TranslatorRegion discover(byte[] page, int entryOff, int max, int limit, int lowest) {
        TranslatorRegion region = new TranslatorRegion();
        // The blocks to look at, first in first out (each instruction put adds at most two).
        int[] work = new int[2 * max + 2];
        int head = 0, tail = 0;
        work[tail++] = entryOff;
        while (head < tail && region.size() < max) {
            int off = work[head++];
            while (!region.containsKey(off) && region.size() < max) {
                Insn in = decodeAt(page, off, limit);
                if (in == null || in.kind == 0) break;
                region.put(off, in);
                if (in.kind == JAL) {
                    long t = off + Decode.immJ(in.bits);
                    // A call whose callee the region may hold (calls inside a unit; before the entry too: a call is no loop's back
                    // edge): its return point too, after the callee.
                    boolean call = isCall(in, limit);
                    if (call || t >= lowest && t < limit) work[tail++] = (int) t;
                    if (call) work[tail++] = off + in.len;
                    break;
                }
                if (in.kind == JALR) break;
                if (in.kind == BRANCH) {
                    long t = off + Decode.immB(in.bits);
                    if (t >= lowest && t < limit) work[tail++] = (int) t;
                    work[tail++] = off + in.len;
                    break;
                }
                off += in.len;
            }
        }
        return region;
    }

    /**
     * Loop regions ({@code -Dvmckpt.jit.maxLoopInstructions=N}, at most N instructions; 0 or at most
     * {@link #MAX_INSTRUCTIONS}: off). Where the instruction limit cuts the region of a loop's head (an entry that a
     * branch or jump of the code reachable from it goes back to), the unit is instead the loop: the instructions on the shortest cycles through the entry, up to N of them and within
     * {@link #MAX_BYTECODE}, so that the loop's back edge is a JVM jump inside one compiled method and an iteration
     * makes no trip through the dispatcher. With the limit alone a loop longer than a unit was a chain of units,
     * each iteration a unit exit, a dispatcher trip and an entry per 64 instructions, and a loop a little longer than
     * the limit left every iteration for a unit of the few instructions the cut left out (the CPU benchmark: a
     * 2-instruction unit of zlib's inflate_fast in the signed guest's module loading, run ~2 M times; a 3-instruction one
     * in the compute phase's sha256, 7.8 M times; docs/BENCHMARKS.md, round 21). Code on the loop's exits (after it, a
     * return from it) is left out: it runs once per loop, not per iteration, and is another unit's entry.
     */
    static final int MAX_LOOP_INSTRUCTIONS = Integer.getInteger("vmckpt.jit.maxLoopInstructions", 512);

    /**
     * The instructions that lie on a cycle through {@code entryOff} of at most {@code cap} instructions (within the
     * code's {@code limit}, by falling through and direct branches and jumps), at most {@code cap} of them, those on the
     * shortest cycles first; null if the entry is on no such cycle. The cycle through an instruction {@code n} is at
     * least the instructions from the entry to {@code n} plus those from {@code n} back to the entry: both are found
     * breadth-first, forwards from the entry and backwards (through the predecessors) to it.
     */
    private TranslatorRegion loopRegion(byte[] code, int entryOff, int limit, int cap) {
        Insn[] ordered = loopOrder(code, entryOff, limit, cap);
        return ordered == null ? null : firstOf(ordered, cap);
    }

    /**
     * Every instruction on a cycle through {@code entryOff} of at most {@code cap} instructions, those on the shortest
     * cycles first (see {@link #loopRegion}, which takes the first {@code cap}); null if the entry is on no such cycle.
     */
    private Insn[] loopOrder(byte[] code, int entryOff, int limit, int cap) {
        int slots = limit / 2;
        Insn[] at = new Insn[slots];
        int[] ahead = new int[slots], back = new int[slots];
        for (int i = 0; i < slots; i++) ahead[i] = back[i] = -1;
        int[] queue = new int[slots];
        int head = 0, tail = 0;
        // Forwards: every instruction a unit could reach from the entry, with its distance.
        ahead[entryOff / 2] = 0;
        queue[tail++] = entryOff;
        int[] preds = new int[slots * 4]; // (to, from) pairs: at most two successors per instruction, more with calls
        int edges = 0;
        boolean backToEntry = false;
        while (head < tail) {
            int off = queue[head++];
            Insn in = decodeAt(code, off, limit);
            if (in == null || in.kind == 0) continue; // a region ends before it
            at[off / 2] = in;
            for (long t : callSuccessors(in, limit)) {
                if (t < 0 || t >= limit) continue;
                int s = (int) t;
                // A taken branch or jump to the entry (not a fall-through into it): the entry is a loop's head.
                if (s == entryOff && (in.kind == JAL || in.kind == BRANCH) && t != off + in.len) backToEntry = true;
                if (edges * 2 + 2 > preds.length) preds = java.util.Arrays.copyOf(preds, preds.length * 2);
                preds[edges * 2] = s;
                preds[edges * 2 + 1] = off;
                edges++;
                if (ahead[s / 2] < 0) {
                    ahead[s / 2] = ahead[off / 2] + 1;
                    queue[tail++] = s;
                }
            }
        }
        // A jalr goes back to the return points of the calls of its function (see returnPointsOf): those
        // edges too, so that a callee's body lies on the cycles of a loop that calls it.
        List<Insn> calls = new ArrayList<>();
        for (int i = 0; i < slots; i++) {
            Insn c = at[i];
            if (c != null && isCall(c, limit) && c.off + c.len < limit && ahead[(c.off + c.len) / 2] >= 0) calls.add(c);
        }
        for (int i = 0; !calls.isEmpty() && i < slots; i++) {
            if (at[i] == null || at[i].kind != JALR) continue;
            for (int r : returnPointsOf(at[i].off, calls, limit)) {
                if (edges * 2 + 2 > preds.length) preds = java.util.Arrays.copyOf(preds, preds.length * 2);
                preds[edges * 2] = r;
                preds[edges * 2 + 1] = at[i].off;
                edges++;
            }
        }
        // Only a loop's head (the target of its back edge) gets the loop: an entry inside a loop (where a batch or the
        // interpreter began) keeps a region that stops at the back edge, or every such entry would hold the whole loop.
        if (!backToEntry) return null;
        // Backwards from the entry over the same edges: each instruction's predecessors, grouped by target (a counting
        // sort: predFrom[first[t] .. first[t + 1]) are the predecessors of slot t, in the order the edges were found).
        int[] first = new int[slots + 1];
        for (int e = 0; e < edges; e++) first[preds[e * 2] / 2 + 1]++;
        for (int i = 0; i < slots; i++) first[i + 1] += first[i];
        int[] fill = new int[slots], predFrom = new int[edges];
        for (int e = 0; e < edges; e++) {
            int t = preds[e * 2] / 2;
            predFrom[first[t] + fill[t]++] = preds[e * 2 + 1];
        }
        head = tail = 0;
        back[entryOff / 2] = 0;
        queue[tail++] = entryOff;
        while (head < tail) {
            int off = queue[head++];
            // (In increasing order of the predecessor's offset, as a sorted edge list gave them: the walk's distances do
            // not depend on it, but the queue's order is kept as it was.)
            int from0 = first[off / 2], n = first[off / 2 + 1] - from0;
            sortInts(predFrom, from0, n);
            for (int e = from0; e < from0 + n; e++) {
                int from = predFrom[e];
                if (back[from / 2] < 0) {
                    back[from / 2] = back[off / 2] + 1;
                    queue[tail++] = from;
                }
            }
        }
        // Every instruction both ways, by the length of the shortest cycle through it, then by its distance from the
        // entry, then by offset: slots bucketed by distance, then (stably) by length, two counting sorts.
        int on = 0;
        for (int i = 0; i < slots; i++) {
            if (at[i] != null && ahead[i] >= 0 && back[i] >= 0 && ahead[i] + back[i] <= cap) on++;
        }
        if (on <= 1) return null;
        int[] byAhead = new int[on], order = new int[on];
        int[] count = new int[cap + 2];
        for (int i = 0; i < slots; i++) {
            if (at[i] != null && ahead[i] >= 0 && back[i] >= 0 && ahead[i] + back[i] <= cap) count[ahead[i] + 1]++;
        }
        for (int k = 0; k <= cap; k++) count[k + 1] += count[k];
        for (int i = 0; i < slots; i++) {
            if (at[i] != null && ahead[i] >= 0 && back[i] >= 0 && ahead[i] + back[i] <= cap) byAhead[count[ahead[i]]++] = i;
        }
        for (int k = 0; k < count.length; k++) count[k] = 0;
        for (int i : byAhead) count[ahead[i] + back[i] + 1]++;
        for (int k = 0; k <= cap; k++) count[k + 1] += count[k];
        for (int i : byAhead) order[count[ahead[i] + back[i]]++] = i;
        Insn[] ordered = new Insn[on];
        for (int k = 0; k < on; k++) ordered[k] = at[order[k]];
        return ordered;
    }

    /** The first {@code n} instructions of {@code ordered} (all of them if fewer), as a region. */
    private static TranslatorRegion firstOf(Insn[] ordered, int n) {
        TranslatorRegion region = new TranslatorRegion();
        for (int k = 0; k < ordered.length && k < n; k++) region.put(ordered[k].off, ordered[k]);
        return region;
    }

    /** Sorts {@code a[from .. from + n)} in increasing order (a handful of predecessors: insertion sort). */
    private static void sortInts(int[] a, int from, int n) {
        for (int i = from + 1; i < from + n; i++) {
            int v = a[i], j = i - 1;
            while (j >= from && a[j] > v) {
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = v;
        }
    }

    /**
     * Straight-line regions ({@code -Dvmckpt.jit.maxStraightInstructions=N}; 0 or at most {@link #MAX_INSTRUCTIONS}:
     * off). Where the instruction limit cuts a region that is one straight line (no branch or jump in its 64
     * instructions but local ones, {@link #LOCAL_BRANCH_BYTES}), the unit goes on along that line up to N instructions
     * (within {@link #MAX_STRAIGHT_BYTECODE}), to its first branch or jump that is not local or to the head of a loop
     * ahead (the target of a branch or jump back into the line), which is a unit of its own ({@link
     * #MAX_LOOP_INSTRUCTIONS}). A straight line's code runs on every run of its entry (but what a local branch skips),
     * so the longer unit compiles no cold code, and saves a unit exit, a dispatcher trip and a unit entry (the
     * registers stored and loaded) per 64 instructions: SHA-256's message schedule and the code between its loops in
     * the signed guest's module loading, SHA-3's rounds in the boot.
     */
    static final int MAX_STRAIGHT_INSTRUCTIONS = Integer.getInteger("vmckpt.jit.maxStraightInstructions", 256);
    /**
     * Bytecode of a straight-line region at most: C1's time grows with a unit's size and the guest interprets the code
     * while it waits, so a line of loads and stores (~50-65 bytes per instruction: SHA-3's rounds in the boot) stays
     * near 64 instructions, and one of ALU operations (~15-20 bytes: SHA-256's schedule) gets long. With the loop
     * regions' bound (7,600) the default guest's boot to /init took ~11% more process CPU at load 13-18 (4 pairs;
     * docs/BENCHMARKS.md round 21), its run thread no more.
     */
    static final int MAX_STRAIGHT_BYTECODE = Integer.getInteger("vmckpt.jit.maxStraightBytecode", 4000);

    /**
     * Straight lines may hold local branches ({@code -Dvmckpt.jit.localBranchBytes=N}, default 128; 0: off): a
     * conditional branch, or a jump that writes no register, whose target lies at most N bytes ahead, or at most N bytes
     * back and after the line's entry (a small loop inside the line; a loop at the entry keeps the rules before). Such a line still runs from its entry to its
     * end (or out through its last, far branch) on every run, however the local branches go: the code between two
     * calls of a big-number routine inlined as a row of 4-word add/subtract loops with carry checks (the signed guest's
     * ECDSA, crypto/ecc.c's vli_mmod_fast_256 in page ffffffff804ae000: loops of 8-10 instructions every 20-30
     * instructions) was a chain of 64-instruction units, a unit exit, a dispatcher trip and a unit entry every ~100
     * instructions (docs/BENCHMARKS.md, round 23).
     */
    static final int LOCAL_BRANCH_BYTES = Integer.getInteger("vmckpt.jit.localBranchBytes", 128);

    /**
     * True if {@code in}, at {@code off} of a line entered at {@code entryOff}, is a local branch ({@link
     * #LOCAL_BRANCH_BYTES}: {@code localBytes}): the line goes on after it.
     */
    private static boolean local(Insn in, int entryOff, int localBytes) {
        long t;
        if (in.kind == BRANCH) t = in.off + Decode.immB(in.bits);
        else if (in.kind == JAL && Decode.rd(in.bits) == 0) t = in.off + Decode.immJ(in.bits);
        else return false;
        // (Not back to the entry itself: a loop at the entry is a loop region's, or the limit's region as before.)
        return t > entryOff && t != in.off && Math.abs(t - in.off) <= localBytes;
    }

    /**
     * True if {@code region} (entered at {@code entryOff}) is one straight line: no branch or jump in it but local ones
     * ({@link #local}).
     */
    private static boolean straight(TranslatorRegion region, int entryOff, int localBytes) {
        for (Insn in : region.values()) {
            if ((in.kind == JAL || in.kind == JALR || in.kind == BRANCH) && !local(in, entryOff, localBytes)) return false;
        }
        return true;
    }

    /**
     * The straight line from {@code entryOff}: instructions in sequence up to {@code cap}, to and with the first branch
     * or jump that is not local ({@link #local}), and before the head of a loop ahead that a loop region may hold: an
     * offset after the entry that a branch or jump fewer than {@code maxLoop} instructions further on (decoded in
     * sequence) goes back to, unless that branch is local (a small loop inside the line).
     */
    private static TranslatorRegion straightRegion(byte[] code, int entryOff, int limit, int cap, int maxLoop, int localBytes) {
        TranslatorBits heads = new TranslatorBits(limit);
        int[] index = new int[limit / 2]; // the sequence number of each instruction decoded, from 1
        for (int off = entryOff, k = 1; k <= maxLoop + cap; k++) {
            Insn in = decodeAt(code, off, limit);
            if (in == null) break;
            index[off / 2] = k;
            long t = in.kind == BRANCH ? off + Decode.immB(in.bits) : in.kind == JAL ? off + Decode.immJ(in.bits) : -1;
            // (A loop longer than a loop region may be is a chain of units anyway: its head is not a reason to stop.)
            if (t > entryOff && t <= off && index[(int) t / 2] > 0 && k - index[(int) t / 2] < maxLoop
                    && !local(in, entryOff, localBytes)) heads.set((int) t);
            off += in.len;
        }
        TranslatorRegion region = new TranslatorRegion();
        int off = entryOff;
        while (region.size() < cap) {
            Insn in = decodeAt(code, off, limit);
            if (in == null || in.kind == 0 || off != entryOff && heads.get(off)) break;
            region.put(off, in);
            if ((in.kind == JAL || in.kind == JALR || in.kind == BRANCH) && !local(in, entryOff, localBytes)) return region;
            off += in.len;
        }
        // Cut by the cap: not inside a small loop whose back branch lies beyond the cut (the next unit would begin in
        // the middle of that loop, the loop's head in this unit, and every iteration would leave one for the other):
        // the line goes on to that back branch (a few instructions past the cap), or, if something else ends it first,
        // it ends before the loop's head.
        int end = off, head = Integer.MAX_VALUE, back = -1;
        for (int o = end; o < end + localBytes && o < limit; ) {
            Insn in = decodeAt(code, o, limit);
            if (in == null) break;
            if (in.kind == BRANCH || in.kind == JAL) {
                long t = o + (in.kind == BRANCH ? Decode.immB(in.bits) : Decode.immJ(in.bits));
                if (t > entryOff && t < end && local(in, entryOff, localBytes)) {
                    head = Math.min(head, (int) t);
                    back = o;
                }
            }
            o += in.len;
        }
        if (back < 0) return region;
        TranslatorRegion more = new TranslatorRegion();
        for (int o = end; o <= back; ) {
            Insn in = decodeAt(code, o, limit);
            if (in == null || in.kind == 0 || in.kind == JALR || (in.kind == JAL || in.kind == BRANCH) && !local(in, entryOff, localBytes)) {
                region.clearFrom(head);
                return region;
            }
            more.put(o, in);
            o += in.len;
        }
        region.putAll(more);
        return region;
    }

    // ------------------------------------------------------------------ code generation

    private MethodVisitor mv;
    private TranslatorRegion region;
    private TranslatorBits leaders;
    /** The label of each block, by its leader's offset / 2 (null elsewhere). */
    private Label[] blockLabels;
    private final List<Runnable> stubs = new ArrayList<>();
    /** The census part of each stub ({@link TranslatorCensus}), in step with {@link #stubs}. */
    private final List<Integer> stubParts = new ArrayList<>();
    /** This unit's census counts ({@link TranslatorCensus#ON}), else null. */
    private long[] census;
    private Label commonExit;
    private int usedRegs, writtenRegs;
    private int entryBlockLength;
    /** Exits numbered so far: each exit of a unit that may lead straight to another unit has a chain slot. */
    private int exitSlots;
    /** End of the region's code: 4096, or 8192 when it may go on into the next page (offsets from the first page's base). */
    private int limit;
    /** The physical page of the second page, or -1. */
    private int nextIndex;
    /** The checked entries into the second page, by target offset (one check per target). */
    private Label[] crossings;
    /** What each chain slot's exit is (TranslatedUnit.EXIT_*), for the profile; the first exitSlots are used. */
    private byte[] exitKinds = new byte[64];
    /** The chain slots whose exit is a call, a jal that links (for the profile). */
    private boolean[] exitCalls = new boolean[64];
    /** While a jal that links emits its jump: an exit stub made now is a call's. */
    private boolean markCall;
    /** The page offset each chain slot's exit leaves from or to (for the profile); the first exitSlots are used. */
    private int[] exitOffsets = new int[64];

    private static int slot(int r) {
        return L_REG0 + 2 * (r - 1);
    }

    /** The bytecode C2 inlines for the unit's calls of {@code Alu}'s helpers, counted while generating ({@link #ALU_CALL_INLINE}, {@link #aluInlineBytes}). */
    private int aluCallBytes;

    private byte[] generate(TranslatorRegion region, int entryOff, int maxBytecode) {
        this.region = region;
        lastEntryOff = entryOff;
        aluCallBytes = 0;
        blockLabels = new Label[limit / 2];
        crossings = new Label[limit / 2];
        stubs.clear();
        stubParts.clear();
        census = TranslatorCensus.ON ? TranslatorCensus.newUnit() : null;
        exitSlots = 0;
        markCall = false;
        compactExitLabel = null;
        compactMissLabel = null;
        findReturnPoints();
        findLeaders(entryOff);
        findRegisters();
        findAccessGroups();
        checkNeeds = checkPoints(entryOff);
        // With check points the entry's need is its check point's (checkNeeds): the longest run is not needed then.
        entryReach = checkNeeds == null ? longestRunFromEntry(entryOff) : -1;

        // Frames are written by hand (frame()): every local has one type for the whole method and the operand stack is
        // empty at every jump target, so one frame fits all, and ASM need not compute them (the costly part).
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_MAXS);
        crossOnceNow = crossOnce && className.equals(HOT_NAME) && !region.isEmpty() && region.lastKey() >= 4096;
        crossOkSlot = L_PAGES0 + 2 * groupSlots;
        if (crossOnceNow) crossOnceUnits.incrementAndGet();
        frameLocals = frameLocals();
        cw.visit(V17, ACC_FINAL | ACC_SUPER, className, null, UNIT, null);
        MethodVisitor init = cw.visitMethod(0, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, UNIT, "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();

        mv = cw.visitMethod(ACC_PUBLIC | ACC_FINAL, "run", "(L" + HART + ";I)I", null, null);
        mv.visitCode();
        // A negative budget returns at once, touching nothing (not even the hart): the warm-up calls that make
        // HotSpot queue the unit for compilation, made on the translator thread (BackgroundTranslator.warm).
        Label body = new Label();
        mv.visitVarInsn(ILOAD, L_BUDGET);
        mv.visitJumpInsn(IFGE, body);
        mv.visitInsn(ICONST_0);
        mv.visitInsn(IRETURN);
        mv.visitLabel(body);
        mv.visitFrame(F_NEW, 3, new Object[] {className, HART, INTEGER}, 0, null);
        prologue();
        for (int off = leaders.nextSetBit(0); off >= 0; off = leaders.nextSetBit(off + 1)) blockLabels[off / 2] = new Label();
        commonExit = new Label();
        mv.visitJumpInsn(GOTO, blockLabels[entryOff / 2]);
        int at = censusMark(TranslatorCensus.PROLOGUE, 0);
        for (int off = leaders.nextSetBit(0); off >= 0; off = leaders.nextSetBit(off + 1)) emitBlock(off, off == entryOff);
        at = censusMark(-1, 0);
        for (int i = 0; i < stubs.size(); i++) { // a stub may add stubs
            stubs.get(i).run();
            at = censusMark(stubParts.get(i), at);
        }
        at = censusMark(TranslatorCensus.NESTED, at);
        emitCommonExit();
        censusMark(TranslatorCensus.EXITS, at);
        Label end = new Label();
        mv.visitLabel(end);
        int size = end.getOffset();
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        lastBytecodeSize = size;
        if (census != null) {
            census[TranslatorCensus.BYTES] = size;
            census[TranslatorCensus.UNITS] = 1;
            census[TranslatorCensus.GUEST] = region.size();
            census[TranslatorCensus.LOCALS] = Integer.bitCount(usedRegs);
        }
        mv = null;
        if (size > maxBytecode) return null;
        lastClassBytes = cw.toByteArray();
        return lastClassBytes;
    }

    /**
     * Block leaders: the entry, every in-region branch or jump target, the instruction after a branch, and any
     * instruction that does not have exactly one in-region instruction falling into it.
     */
    private void findLeaders(int entryOff) {
        leaders = new TranslatorBits(limit);
        int[] fallIns = new int[limit + 2];
        leaders.set(entryOff);
        for (Insn in : region.values()) {
            if (in.kind == JAL || in.kind == BRANCH) {
                for (long t : successors(in)) if (inRegion(t)) leaders.set((int) t);
            } else if (in.kind != JALR) {
                fallIns[in.off + in.len]++;
            }
        }
        for (int off : region.keySet()) if (fallIns[off] != 1) leaders.set(off);
        if (returnPoints != null) { // (no instruction falls into a return point: it follows a jal)
            for (int[] rs : returnPoints) if (rs != null) for (int r : rs) leaders.set(r);
        }
    }

    /** True if {@code off} is the offset of an instruction of the region. */
    private boolean inRegion(long off) {
        return off >= 0 && off < limit && region.containsKey((int) off);
    }

    private void findRegisters() {
        usedRegs = 0;
        writtenRegs = 0;
        for (Insn in : region.values()) {
            writtenRegs |= writes(in);
            switch (in.kind) {
                case ALU_REG: case BRANCH: case STORE:
                    usedRegs |= 1 << Decode.rs1(in.bits) | 1 << Decode.rs2(in.bits);
                    break;
                case ALU_IMM: case LOAD: case JALR:
                    usedRegs |= 1 << Decode.rs1(in.bits);
                    break;
                case HELPER:
                    // The interpreter runs it: it reads at most rs1 and rs2 and writes at most rd (a trap changes no
                    // integer register), so only those go through the array around the call.
                    usedRegs |= helperRegisters(in);
                    break;
                default:
                    break;
            }
        }
        usedRegs = (usedRegs | writtenRegs) & ~1;
    }

    /** The integer register an instruction writes through its local, as a mask (x0 never: it is a constant). */
    static int writes(Insn in) {
        switch (in.kind) {
            case ALU_REG: case ALU_IMM: case LOAD: case JALR: case LUI: case AUIPC: case JAL: case HELPER:
                return (1 << Decode.rd(in.bits)) & ~1;
            default:
                return 0;
        }
    }

    /** The integer registers an instruction run by the interpreter may read or write. */
    private static int helperRegisters(Insn in) {
        return 1 << Decode.rd(in.bits) | 1 << Decode.rs1(in.bits) | 1 << Decode.rs2(in.bits);
    }

    /** {@link #blockGroups} and {@link #groupSlots} for the region ({@link #accessGroups}). */
    private void findAccessGroups() {
        blockGroups = null;
        groupSlots = 0;
        groupCount = 0;
        if (!accessGroupsNow) return;
        blockGroups = new AccessGroups[limit / 2];
        for (int off = leaders.nextSetBit(0); off >= 0; off = leaders.nextSetBit(off + 1)) {
            if (!region.containsKey(off)) continue;
            AccessGroups gs = AccessGroups.of(blockAt(off));
            if (gs.count == 0) continue;
            blockGroups[off / 2] = gs;
            groupSlots = Math.max(groupSlots, gs.count);
            groupCount += gs.count;
        }
    }

    /** The local of access group g's page array ({@link #accessGroups}); its page offset is the next local. */
    private int groupPageSlot(int g) {
        return L_PAGES0 + 2 * g;
    }

    /** The access group of the instruction being emitted, or -1. */
    private int groupNow() {
        return groupsNow == null ? -1 : groupsNow.groupOf[indexNow];
    }

    /** The groups open across the instruction being emitted (bit g), which a call from it into the hart must forget. */
    private int groupsAcross() {
        return groupsNow == null ? 0 : groupsNow.liveAcross(indexNow);
    }

    /** Forgets the access groups in {@code mask}: a null page sends their accesses to their slow paths. */
    private void forgetGroups(int mask) {
        for (int g = 0; mask >> g != 0; g++) {
            if ((mask & 1 << g) == 0) continue;
            mv.visitInsn(ACONST_NULL);
            mv.visitVarInsn(ASTORE, groupPageSlot(g));
        }
    }

    /**
     * An access of group g ({@link #accessGroups}) at {@code imm} from its base register: at the group's first access,
     * the group's check (the TLB entry of base + the group's lowest offset, and the group's span inside its page; a hit
     * keeps the page array and the offset, a miss a null page); then, for every access, a jump to {@code slow} if the
     * page is null, else Unsafe, the page array and the access's address in it on the stack (as {@link #pushPageAddress}).
     */
    private void emitGroupedAccess(int g, int rs1, long imm, boolean write, Label slow) {
        int pageSlot = groupPageSlot(g);
        if (groupsNow.first[indexNow]) {
            mv.visitInsn(ACONST_NULL);
            mv.visitVarInsn(ASTORE, pageSlot);
            emitGroupCheck(g, rs1, groupsNow.minOff[g], groupsNow.span[g], write);
        }
        mv.visitVarInsn(ALOAD, pageSlot);
        mv.visitJumpInsn(IFNULL, slow);
        mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
        mv.visitVarInsn(ALOAD, pageSlot);
        mv.visitVarInsn(ILOAD, pageSlot + 1);
        mv.visitInsn(I2L);
        mv.visitLdcInsn(BYTE_BASE + imm - groupsNow.minOff[g]);
        mv.visitInsn(LADD);
    }

    /**
     * Group g's check (its page local is null): the TLB entry of base + {@code minOff} and the span inside its page; a
     * hit puts the page array and the page offset into the group's locals. (Uses L_VA, L_IDX and L_OFF.)
     */
    private void emitGroupCheck(int g, int rs1, int minOff, int span, boolean write) {
        int pageSlot = groupPageSlot(g);
        Label checked = new Label();
        emitTlbCheck(rs1, minOff, span, write ? L_WTAG : L_RTAG, checked);
        pushPage(write ? L_WPAGE : L_RPAGE);
        mv.visitVarInsn(ASTORE, pageSlot);
        mv.visitVarInsn(ILOAD, L_OFF);
        mv.visitVarInsn(ISTORE, pageSlot + 1);
        target(checked);
    }

    /**
     * In the slow path of a group's first access, after the hart's access (which filled the TLB for its page): the
     * group's check once more, so that a group whose check met a TLB miss (a page not touched for a while) runs its
     * other accesses without a slow path each.
     */
    private void recheckGroup(int g, int rs1, int minOff, int span, boolean write, boolean first) {
        if (g < 0 || !first) return;
        emitGroupCheck(g, rs1, minOff, span, write);
    }

    /**
     * {@link #accessGroupFallback}: a grouped access's own TLB check in its slow path, the check it has without groups,
     * out of line ({@code Mmu.readIndexOf} / {@code writeIndexOf}, small enough for both compilers to inline: ~40 bytes
     * of bytecode per access where the inline form is ~60): va into L_VA, the entry into L_IDX; to {@code miss} unless
     * the TLB entry holds va and the access stays in its page; on a hit Unsafe, the page array and the address on the
     * stack ({@link #pushPageAddress}).
     */
    private void emitOwnCheck(int rs1, long imm, int size, boolean write, Label miss) {
        mv.visitVarInsn(ALOAD, L_MMU);
        loadReg(rs1);
        if (imm != 0) {
            pushLong(imm);
            mv.visitInsn(LADD);
        }
        mv.visitInsn(DUP2);
        mv.visitVarInsn(LSTORE, L_VA);
        pushInt(size);
        mv.visitMethodInsn(INVOKEVIRTUAL, MMU, write ? "writeIndexOf" : "readIndexOf", "(JI)I", false);
        mv.visitInsn(DUP);
        mv.visitVarInsn(ISTORE, L_IDX);
        mv.visitJumpInsn(IFLT, miss);
        mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
        pushPage(write ? L_WPAGE : L_RPAGE);
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitLdcInsn(0xfffL);
        mv.visitInsn(LAND);
        mv.visitLdcInsn(BYTE_BASE);
        mv.visitInsn(LADD);
    }

    /** The address of a grouped access into L_VA, for its slow path (the group's check computed only its lowest). */
    private void storeAccessAddress(int rs1, long imm) {
        loadReg(rs1);
        pushLong(imm);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, L_VA);
    }

    private void prologue() {
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "pc", "J");
        pushLong(-4096L);
        mv.visitInsn(LAND);
        mv.visitVarInsn(LSTORE, L_VBASE);
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "x", "[J");
        mv.visitVarInsn(ASTORE, L_X);
        loadRegisters(usedRegs);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, L_N);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, L_EXITPC);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, L_TMP);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, L_RESULT);
        mv.visitInsn(LCONST_0);
        mv.visitVarInsn(LSTORE, L_VA);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, L_IDX);
        mv.visitInsn(ICONST_0);
        mv.visitVarInsn(ISTORE, L_OFF);
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "mmu", "L" + MMU + ";");
        mv.visitVarInsn(ASTORE, L_MMU);
        String[][] tlb = {{"rTag", "[J"}, {"rPage", "[[B"}, {"wTag", "[J"}, {"wPage", "[[B"}};
        int[] slots = {L_RTAG, L_RPAGE, L_WTAG, L_WPAGE};
        for (int i = 0; i < 4; i++) {
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitFieldInsn(GETFIELD, MMU, tlb[i][0], tlb[i][1]);
            mv.visitVarInsn(ASTORE, slots[i]);
        }
        if (tlbNonNullNow) { // (hotTlbNonNull: each array's local not null for C2 from here on)
            for (int slot : slots) {
                mv.visitVarInsn(ALOAD, slot);
                mv.visitInsn(ARRAYLENGTH);
                mv.visitInsn(POP);
            }
        }
        for (int g = 0; g < groupSlots; g++) {
            mv.visitInsn(ACONST_NULL);
            mv.visitVarInsn(ASTORE, groupPageSlot(g));
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, groupPageSlot(g) + 1);
        }
        afterHartCall();
    }

    /**
     * At unit entry and after a call that may have changed the translation context (an instruction the interpreter
     * runs, a nested unit): {@link #forgetAfterCall} (round 46's context local, re-read here, was retired in round 84).
     */
    private void afterHartCall() {
        forgetAfterCall();
    }

    /**
     * Forgets {@link #crossOnce}'s passed check after a call into the hart, which may have changed the fetch TLB (round
     * 35's base-register pages, forgotten here too, were retired in round 84).
     */
    private void forgetAfterCall() {
        if (crossOnceNow) { // (and the second page's check: crossOnce)
            mv.visitInsn(ICONST_0);
            mv.visitVarInsn(ISTORE, crossOkSlot);
        }
    }

    // Registers move between the locals and h.x (always 32 longs) through Unsafe: no bounds check per register,
    // which in C1 code is most of the cost of entering and leaving a unit.
    private void loadRegisters(int mask) {
        for (int r = 1; r < 32; r++) {
            if ((mask & (1 << r)) == 0) continue;
            mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
            mv.visitVarInsn(ALOAD, L_X);
            mv.visitLdcInsn(LONG_BASE + 8L * r);
            mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getLong", "(Ljava/lang/Object;J)J", false);
            storeReg(r);
        }
    }

    private void storeRegisters(int mask) {
        for (int r = 1; r < 32; r++) {
            if ((mask & (1 << r)) == 0) continue;
            mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
            mv.visitVarInsn(ALOAD, L_X);
            mv.visitLdcInsn(LONG_BASE + 8L * r);
            loadReg(r);
            mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putLong", "(Ljava/lang/Object;JJ)V", false);
        }
    }

    private Object[] frameLocals;

    /** The types of the locals at every jump target: registers the region does not use stay unset (TOP). */
    private Object[] frameLocals() {
        Object[] fixed = {className, HART, INTEGER, INTEGER, LONG, LONG, LONG, "[J", INTEGER, "[J", "[[B", "[J", "[[B",
                LONG, INTEGER, INTEGER, MMU, TOP, TOP};
        Object[] l = new Object[fixed.length + 62];
        System.arraycopy(fixed, 0, l, 0, fixed.length);
        int n = fixed.length;
        for (int r = 1; r < 32; r++) {
            if ((usedRegs & (1 << r)) != 0) {
                l[n++] = LONG;
            } else {
                l[n++] = TOP;
                l[n++] = TOP;
            }
        }
        if (groupSlots > 0) {
            l = java.util.Arrays.copyOf(l, n + 2 * groupSlots);
            for (int g = 0; g < groupSlots; g++) {
                l[n++] = "[B";
                l[n++] = INTEGER;
            }
        }
        if (crossOnceNow) {
            l = java.util.Arrays.copyOf(l, n + 1);
            l[n++] = INTEGER; // crossOkSlot
        }
        while (l[n - 1] == TOP) n--;
        Object[] used = new Object[n];
        System.arraycopy(l, 0, used, 0, n);
        return used;
    }

    /** Places {@code label} here as a jump target, with the method's one frame. */
    private void target(Label label) {
        if (census != null) census[TranslatorCensus.TARGETS]++;
        mv.visitLabel(label);
        mv.visitFrame(F_NEW, frameLocals.length, frameLocals, 0, null);
    }

    private void emitCommonExit() {
        target(commonExit);
        storeRegisters(writtenRegs);
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitVarInsn(LLOAD, L_EXITPC);
        mv.visitFieldInsn(PUTFIELD, HART, "pc", "J");
        loadN();
        mv.visitInsn(IRETURN);
    }

    /** Pushes the instructions retired so far, {@code n} (slot L_N). */
    private void loadN() {
        mv.visitVarInsn(ILOAD, L_N);
    }

    /** {@code n += k}. */
    private void addN(int k) {
        mv.visitIincInsn(L_N, k);
    }

    /**
     * Whether the entry block's budget check asks for room for the longest run of the unit from its entry until it is
     * back at its entry or has left ({@link #longestRunFromEntry}; round 19; {@code -Dvmckpt.jit.entryReach=false}, for
     * the entry block only, as every other block, was retired in round 83). Then a unit that is entered runs whole iterations of its loop within
     * the budget and leaves, when the budget runs out, at its entry, not at a block in the middle of its code where no
     * unit starts: there the dispatcher can end the batch (Hart#setBatchMayEndBeforeUnit) and the next batch starts
     * with the unit, instead of the interpreter running the rest of the iteration. Every block keeps its own check,
     * so the count stays exact whatever this number is.
     */
    private int entryReach;

    /**
     * The most instructions the unit can retire from its entry before it is back at its entry or leaves, following
     * its blocks' in-region successors; -1 if that is not bounded (a loop inside the unit that does not go through the
     * entry) or the entry block is the whole answer.
     */
    private int longestRunFromEntry(int entryOff) {
        int[] longest = new int[limit / 2]; // by leader / 2: the answer + 1, 0 while unknown
        TranslatorBits onPath = new TranslatorBits(limit);
        return longestFrom(entryOff, entryOff, longest, onPath);
    }

    private int longestFrom(int leader, int entryOff, int[] longest, TranslatorBits onPath) {
        if (longest[leader / 2] > 0) return longest[leader / 2] - 1;
        if (onPath.get(leader)) return -1; // a cycle that does not pass the entry
        onPath.set(leader);
        List<Insn> block = blockAt(leader);
        Insn last = block.get(block.size() - 1);
        int most = 0;
        for (long next : unitSuccessors(last)) {
            if (next == entryOff || !inRegion(next) || !leaders.get((int) next)) continue;
            int r = longestFrom((int) next, entryOff, longest, onPath);
            if (r < 0) return -1;
            most = Math.max(most, r);
        }
        onPath.clear(leader);
        int r = block.size() + most;
        longest[leader / 2] = r + 1;
        return r;
    }

    /**
     * Only some blocks check the budget (round 23; {@code -Dvmckpt.jit.checkPoints=false}, every block as before, was
     * retired in round 83): the entry and the targets of the back edges of a depth-first walk from it (every cycle of the unit goes
     * through one of them), each asking for room for the longest run from it to the next such block or out of the unit
     * ({@link #checkPoints}). Every run between two check points is then covered by the check at its start, so the
     * unit still never retires more than its budget, and the count stays exact (every block still adds its own length
     * as it starts, and an exit before an instruction takes back what did not run). A unit whose only cycles go
     * through its entry has the entry as its only check point, asking for what {@link #entryReach} asks. The blocks that
     * check the budget and what each asks for; null: every block checks.
     */
    private int[] checkNeeds;

    /**
     * The check points of the region entered at {@code entryOff} and their needs (see {@link #checkNeeds}), by leader
     * offset / 2; 0 for a block that checks nothing.
     */
    private int[] checkPoints(int entryOff) {
        TranslatorBits points = new TranslatorBits(limit), visited = new TranslatorBits(limit), onStack = new TranslatorBits(limit);
        points.set(entryOff);
        backEdgeTargets(entryOff, points, visited, onStack);
        // (Every block is reachable from the entry; one that were not would never run, and checks anyway.)
        for (int l = leaders.nextSetBit(0); l >= 0; l = leaders.nextSetBit(l + 1)) if (!visited.get(l)) points.set(l);
        int[] needs = new int[limit / 2], reach = new int[limit / 2]; // reach: the answer + 1, 0 while unknown
        for (int p = points.nextSetBit(0); p >= 0; p = points.nextSetBit(p + 1)) {
            needs[p / 2] = blockAt(p).size() + reachAfter(p, points, reach);
        }
        return needs;
    }

    /** Depth-first from {@code leader}: marks in {@code points} every block a back edge goes to. */
    private void backEdgeTargets(int leader, TranslatorBits points, TranslatorBits visited, TranslatorBits onStack) {
        visited.set(leader);
        onStack.set(leader);
        for (int next : blockSuccessors(leader)) {
            if (onStack.get(next)) points.set(next);
            else if (!visited.get(next)) backEdgeTargets(next, points, visited, onStack);
        }
        onStack.clear(leader);
    }

    /**
     * The most instructions the unit can retire after the block at {@code leader} before it reaches a check point or
     * leaves. The walk stops at check points, and every cycle holds one, so it ends.
     */
    private int reachAfter(int leader, TranslatorBits points, int[] memo) {
        if (memo[leader / 2] > 0) return memo[leader / 2] - 1;
        int most = 0;
        for (int next : blockSuccessors(leader)) {
            if (!points.get(next)) most = Math.max(most, blockAt(next).size() + reachAfter(next, points, memo));
        }
        memo[leader / 2] = most + 1;
        return most;
    }

    /** The region's blocks control may go to after the block at {@code leader}. */
    private int[] blockSuccessors(int leader) {
        List<Insn> block = blockAt(leader);
        long[] all = unitSuccessors(block.get(block.size() - 1));
        int[] next = new int[all.length];
        int n = 0;
        for (long t : all) {
            if (!inRegion(t) || !leaders.get((int) t)) continue;
            boolean seen = false;
            for (int i = 0; i < n; i++) seen |= next[i] == (int) t;
            if (!seen) next[n++] = (int) t;
        }
        return n == next.length ? next : java.util.Arrays.copyOf(next, n);
    }

    /**
     * Calls inside a unit (round 25; the rule since, its switch {@code -Dvmckpt.jit.calls=false} retired in round 84:
     * round 26 measured the compute phase higher without them). A region follows a call ({@code jal} that writes a
     * register) into a callee in its pages, and takes the call's return point in too (after the callee, breadth-first);
     * at every {@code jalr} of the region the unit compares the computed target with the region's return points
     * (page base + offset, the very value the call wrote into the link register) and goes on inside the unit when one
     * is equal; else it leaves as before, with the target as pc. So a call and its return are no unit exits and
     * dispatcher trips when the callee is in the unit, and a guest that changed its return address (longjmp, a
     * modified stack) still goes where the register says. gzip's deflate loop calls ct_tally and fill_window in its
     * own page twice per iteration (busybox 6d242, 6d408: docs/BENCHMARKS.md round 25).
     */
    /** Return points a jalr compares its target with, at most. */
    static final int MAX_RETURN_POINTS = 8;

    /** A {@code jal} that links (writes a register) to a target within {@code limit}: a call a region may follow. */
    private static boolean isCall(Insn in, int limit) {
        if (in.kind != JAL || Decode.rd(in.bits) == 0) return false;
        long t = in.off + Decode.immJ(in.bits);
        return t >= 0 && t < limit;
    }

    /** As {@link #successors}, and a call's return point too (the callee returns there, if at all). */
    private long[] callSuccessors(Insn in, int limit) {
        if (isCall(in, limit)) {
            return new long[] {in.off + Decode.immJ(in.bits), in.off + in.len};
        }
        return successors(in);
    }

    /**
     * The return points a jalr at {@code jalrOff} compares its target with: those of the {@code calls} to the function
     * it belongs to, taken to be the one whose entry (a call's target) is the nearest at or before it (functions lie one
     * after another). A guess only decides what is compared: a target that is no return point leaves the unit.
     */
    private static int[] returnPointsOf(int jalrOff, List<Insn> calls, int limit) {
        long entry = -1;
        for (Insn c : calls) {
            long t = c.off + Decode.immJ(c.bits);
            if (t <= jalrOff && t > entry) entry = t;
        }
        if (entry < 0) return NONE;
        int[] points = new int[MAX_RETURN_POINTS];
        int n = 0;
        for (Insn c : calls) {
            if (n == MAX_RETURN_POINTS) break;
            if (c.off + Decode.immJ(c.bits) != entry || c.off + c.len >= limit) continue;
            boolean seen = false;
            for (int i = 0; i < n; i++) seen |= points[i] == c.off + c.len;
            if (!seen) points[n++] = c.off + c.len;
        }
        return n == points.length ? points : java.util.Arrays.copyOf(points, n);
    }

    /** The region's return points by jalr offset / 2 (see {@link #returnPointsOf}), or null: no calls. */
    private int[][] returnPoints;

    private void findReturnPoints() {
        returnPoints = null;
        List<Insn> calls = new ArrayList<>();
        for (Insn in : region.values()) {
            if (isCall(in, limit) && inRegion(in.off + Decode.immJ(in.bits)) && inRegion(in.off + in.len)) calls.add(in);
        }
        if (calls.isEmpty()) return;
        returnPoints = new int[limit / 2][];
        for (Insn in : region.values()) if (in.kind == JALR) returnPoints[in.off / 2] = returnPointsOf(in.off, calls, limit);
    }

    /** The return points the jalr at {@code off} compares its target with (none: it always leaves). */
    private int[] returnPointsAt(int off) {
        int[] points = returnPoints == null ? null : returnPoints[off / 2];
        return points == null ? NONE : points;
    }

    private static final int[] NONE = new int[0];

    /** Where control may go inside the unit after an instruction that ends a block: as {@link #successors}, and a jalr's return points. */
    private long[] unitSuccessors(Insn last) {
        if (last.kind != JALR) return successors(last);
        int[] points = returnPointsAt(last.off);
        long[] next = new long[points.length];
        for (int i = 0; i < points.length; i++) next[i] = points[i];
        return next;
    }

    /** Where control may go after an instruction that ends a block: branch and jump targets, the fall-through. */
    private static long[] successors(Insn last) {
        switch (last.kind) {
            case JAL: return new long[] {last.off + Decode.immJ(last.bits)};
            case JALR: return new long[0];
            case BRANCH: return new long[] {last.off + Decode.immB(last.bits), last.off + last.len};
            default: return new long[] {last.off + last.len};
        }
    }

    /** The instructions of the block starting at {@code leader}. */
    private List<Insn> blockAt(int leader) {
        List<Insn> block = new ArrayList<>();
        Insn in = region.get(leader);
        while (true) {
            block.add(in);
            if (in.kind == JAL || in.kind == JALR || in.kind == BRANCH) break;
            int next = in.off + in.len;
            if (!region.containsKey(next) || leaders.get(next)) break;
            in = region.get(next);
        }
        return block;
    }

    private void emitBlock(int leader, boolean entry) {
        List<Insn> block = blockAt(leader);
        int len = block.size();
        // The entry asks for room for the longest run back to it or out of the unit, where that is bounded; with check
        // points, a check point for the longest run to the next one or out, and other blocks check nothing.
        int need = checkNeeds != null ? checkNeeds[leader / 2] : entry && entryReach > len ? entryReach : len;
        if (entry) entryBlockLength = need;
        target(blockLabels[leader / 2]);
        int at = censusMark(-1, 0);
        // Budget: leave before this block if its instructions (at the entry: the longest run from it) do not all fit.
        if (need > 0) {
            mv.visitVarInsn(ILOAD, L_N);
            pushInt(need);
            mv.visitInsn(IADD);
            mv.visitVarInsn(ILOAD, L_BUDGET);
            mv.visitJumpInsn(IF_ICMPGT, exitStub(leader, 0, TranslatedUnit.EXIT_BUDGET));
        }
        addN(len);
        at = censusMark(TranslatorCensus.BUDGET, at);
        wordRegs = 0; // (a block begins at a label: nothing is known of the registers on every way in)
        groupsNow = blockGroups == null ? null : blockGroups[leader / 2];
        for (int k = 0; k < len; k++) {
            Insn in = block.get(k);
            int after = wordRegsAfter(in);
            indexNow = k;
            emitInstruction(in, len - k);
            wordRegs = after;
            if (census != null) {
                int part = censusPart(in.kind);
                census[TranslatorCensus.INSNS_OF + part]++;
                at = censusMark(part, at);
            }
        }
        groupsNow = null;
        Insn last = block.get(len - 1);
        if (last.kind != JAL && last.kind != JALR && last.kind != BRANCH) {
            jumpTo(last.off, last.off + last.len); // falls into the next block, or leaves the region
        }
        censusMark(TranslatorCensus.FALL, at);
    }

    /**
     * With the census on ({@link TranslatorCensus}): adds the bytes from {@code from} to here to {@code part} (none if
     * it is negative) and returns here's offset; else nothing (and 0).
     */
    private int censusMark(int part, int from) {
        if (census == null) return 0;
        Label here = new Label();
        mv.visitLabel(here);
        int at = here.getOffset();
        if (part >= 0) census[part] += at - from;
        return at;
    }

    /** The census part of an instruction kind's inline code. */
    private static int censusPart(int kind) {
        switch (kind) {
            case LUI: case AUIPC: return TranslatorCensus.UPPER;
            case JAL: return TranslatorCensus.JAL;
            case JALR: return TranslatorCensus.JALR;
            case BRANCH: return TranslatorCensus.BRANCH;
            case LOAD: return TranslatorCensus.LOAD;
            case STORE: return TranslatorCensus.STORE;
            case HELPER: return TranslatorCensus.HELPER;
            default: return TranslatorCensus.ALU;
        }
    }

    /** Adds an out-of-line stub, run after the blocks; {@code part} names it for the census. */
    private void addStub(int part, Runnable stub) {
        stubs.add(stub);
        stubParts.add(part);
    }

    /** Continues at region offset {@code target} (its block's budget check), or leaves the unit there. */
    private void jumpTo(int from, long target) {
        mv.visitJumpInsn(GOTO, branchTarget(from, target));
    }

    /**
     * The block label of region offset {@code target}, or an exit stub to it if the region does not hold it. A jump
     * from the first page into the second goes through the second page's check ({@link #crossingTo}).
     */
    private Label branchTarget(int from, long target) {
        Label l = target >= 0 && target < limit ? blockLabels[(int) target / 2] : null;
        if (l == null) return exitStub(target, 0, target >= 0 && target < limit ? TranslatedUnit.EXIT_REGION : TranslatedUnit.EXIT_PAGE);
        return from < 4096 && target >= 4096 ? crossingTo((int) target) : l;
    }

    /**
     * A label that enters the region's block at {@code target} in the second page only if the fetch TLB maps the
     * page after the unit's first one to the physical page the code was translated from, under the current
     * context (as the dispatcher's check for the first page); else the unit leaves with pc there, and the
     * dispatcher goes on as at any page end.
     */
    private Label crossingTo(int target) {
        Label known = crossings[target / 2];
        if (known != null) return known;
        Label l = new Label();
        crossings[target / 2] = l;
        Label[] labels = blockLabels;
        Label away = exitStub(target, 0, TranslatedUnit.EXIT_PAGE);
        addStub(TranslatorCensus.S_CROSS, () -> {
            target(l);
            if (crossOnceNow) { // checked since the last call into the hart: still true
                mv.visitVarInsn(ILOAD, crossOkSlot);
                mv.visitJumpInsn(IFNE, labels[target / 2]);
            }
            // vpn of the second page, its TLB index
            mv.visitVarInsn(LLOAD, L_VBASE);
            mv.visitIntInsn(BIPUSH, 12);
            mv.visitInsn(LUSHR);
            mv.visitInsn(LCONST_1);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LSTORE, L_VA);
            mv.visitVarInsn(LLOAD, L_VA);
            mv.visitInsn(L2I);
            pushInt(Hart.TLB_MASK);
            mv.visitInsn(IAND);
            mv.visitVarInsn(ISTORE, L_IDX);
            // xTag[idx] == (vpn | fetchCtx)
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitFieldInsn(GETFIELD, MMU, "xTag", "[J");
            mv.visitVarInsn(ILOAD, L_IDX);
            mv.visitInsn(LALOAD);
            mv.visitVarInsn(LLOAD, L_VA);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitFieldInsn(GETFIELD, MMU, "fetchCtx", "J");
            mv.visitInsn(LOR);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, away);
            // xPhys[idx] == the page translated
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitFieldInsn(GETFIELD, MMU, "xPhys", "[I");
            mv.visitVarInsn(ILOAD, L_IDX);
            mv.visitInsn(IALOAD);
            pushInt(nextIndex);
            mv.visitJumpInsn(IF_ICMPNE, away);
            if (crossOnceNow) {
                mv.visitInsn(ICONST_1);
                mv.visitVarInsn(ISTORE, crossOkSlot);
            }
            mv.visitJumpInsn(GOTO, labels[target / 2]);
        });
        return l;
    }

    /**
     * A label that leaves the unit with pc = page base + {@code off}, after taking back the {@code unretired}
     * instructions of the current block that did not run. A chainable exit (kind >= 0) names its chain slot.
     */
    private Label exitStub(long off, int unretired, int chainableKind) {
        Label l = new Label();
        boolean call = markCall;
        if (census != null) {
            census[TranslatorCensus.EXIT_STUBS]++;
            if (unretired != 0) census[TranslatorCensus.EXIT_UNRETIRED]++;
        }
        addStub(TranslatorCensus.S_EXIT, () -> {
            target(l);
            if (unretired != 0) addN(-unretired);
            if (chainableKind >= 0) {
                int slot = newExitSlot(chainableKind, (int) off);
                exitCalls[slot] = call;
                putExitSlot(slot);
            }
            mv.visitVarInsn(LLOAD, L_VBASE);
            pushLong(off);
            mv.visitInsn(LADD);
            mv.visitVarInsn(LSTORE, L_EXITPC);
            mv.visitJumpInsn(GOTO, commonExit);
        });
        return l;
    }

    /** After a call into the hart: leave before this instruction if the hart asked (trap, device, code write). */
    private void checkUnitExit(Insn in, int unretired) {
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "unitExit", "Z");
        mv.visitJumpInsn(IFNE, exitStub(in.off, unretired, -1)); // unitExit: the dispatcher never chains
    }

    /**
     * {@link #compactLeaveNow}'s form of {@link #checkUnitExit} at the end of a slow path: goes on at {@code next} unless the
     * hart asked to leave; then leaves before {@code in} through the unit's one {@link #compactExit} tail, with the page
     * offset and the {@code unretired} instructions to take back in L_OFF ({@code off | unretired << 13}).
     */
    private void unitExitOrGoTo(Insn in, int unretired, Label next) {
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "unitExit", "Z");
        mv.visitJumpInsn(IFEQ, next);
        pushInt(in.off | unretired << 13);
        mv.visitVarInsn(ISTORE, L_OFF);
        mv.visitJumpInsn(GOTO, compactExit());
    }

    /**
     * {@link #compactLeaveNow}: a label (a stub) that leaves before {@code in}, taking back its block's {@code remaining}
     * instructions, through the unit's {@link #compactMiss} tail.
     */
    private Label missLeaveBefore(Insn in, int remaining, int censusPart) {
        Label l = new Label();
        addStub(censusPart, () -> {
            target(l);
            countProfile(TranslationProfile.TLB_MISS);
            pushInt(in.off | remaining << 13);
            mv.visitVarInsn(ISTORE, L_OFF);
            mv.visitJumpInsn(GOTO, compactMiss());
        });
        return l;
    }

    /** {@link #compactLeaveNow}'s tail: {@code h.unitExit = true} (the dispatcher runs the access), then {@link #compactExit}. */
    private Label compactMiss() {
        if (compactMissLabel == null) {
            Label l = compactMissLabel = new Label();
            Label exit = compactExit();
            addStub(TranslatorCensus.S_EXIT, () -> {
                target(l);
                mv.visitVarInsn(ALOAD, L_HART);
                mv.visitInsn(ICONST_1);
                mv.visitFieldInsn(PUTFIELD, HART, "unitExit", "Z");
                mv.visitJumpInsn(GOTO, exit);
            });
        }
        return compactMissLabel;
    }

    private Label compactMissLabel;

    /** The tail of {@link #unitExitOrGoTo}'s exits in the unit being generated (null until its first access needs it). */
    private Label compactExitLabel;

    /**
     * The label of the unit's one tail for {@link #unitExitOrGoTo}'s exits: {@code n -= L_OFF >>> 13}, pc = page base +
     * {@code (L_OFF & 0x1fff)} (a region's offsets are below 8192), then the common exit's full store (no chain slot:
     * the dispatcher never chains a unitExit).
     */
    private Label compactExit() {
        if (compactExitLabel == null) {
            Label l = compactExitLabel = new Label();
            addStub(TranslatorCensus.S_EXIT, () -> {
                target(l);
                mv.visitVarInsn(ILOAD, L_N);
                mv.visitVarInsn(ILOAD, L_OFF);
                mv.visitIntInsn(BIPUSH, 13);
                mv.visitInsn(IUSHR);
                mv.visitInsn(ISUB);
                mv.visitVarInsn(ISTORE, L_N);
                mv.visitVarInsn(LLOAD, L_VBASE);
                mv.visitVarInsn(ILOAD, L_OFF);
                pushInt(0x1fff);
                mv.visitInsn(IAND);
                mv.visitInsn(I2L);
                mv.visitInsn(LADD);
                mv.visitVarInsn(LSTORE, L_EXITPC);
                mv.visitJumpInsn(GOTO, commonExit);
            });
        }
        return compactExitLabel;
    }

    /**
     * Within the block being emitted, the guest registers (bit r for xr) known to hold a 32-bit value sign-extended
     * to 64 bits: each was last written in this block by a word operation (addw, sllw, srliw, mulw, ...), an lw, or
     * one of {@link #emitWordLogic}'s. Cleared at every block start and after any instruction that calls into the hart.
     */
    private int wordRegs;

    /** {@link #wordRegs} once {@code in} has run (it reads the set before {@code in}). */
    private int wordRegsAfter(Insn in) {
        int rd = Decode.rd(in.bits);
        switch (in.kind) {
            case BRANCH: case STORE: case NOP:
                return wordRegs;
            case ALU_IMM: case ALU_REG: case LOAD:
                if (rd == 0) return wordRegs;
                String op = in.kind == LOAD ? null : Decode.aluOperation(in.bits);
                boolean word = in.kind == LOAD ? Decode.funct3(in.bits) == 2 // lw
                        : wordOperation(op) || hasWordOperands(op, in.kind == ALU_IMM, Decode.rs1(in.bits), Decode.rs2(in.bits));
                return word ? wordRegs | 1 << rd : wordRegs & ~(1 << rd);
            default:
                return 0; // (LUI, AUIPC, jumps, helpers: not worth knowing, or the hart may have written registers)
        }
    }

    /** Whether an {@link Decode#aluOperation} name is one of RV64's word operations, whose result is sign-extended. */
    private static boolean wordOperation(String op) {
        return op != null && op.endsWith("w");
    }

    /** Whether {@code op} (and, or, xor; the immediate forms too) has word-valued operands here: see {@link #emitWordLogic}. */
    private boolean hasWordOperands(String op, boolean imm, int rs1, int rs2) {
        if (op == null || !(op.equals("and") || op.equals("or") || op.equals("xor"))) return false;
        int words = wordRegs;
        return (words & 1 << rs1) != 0 && (imm || (words & 1 << rs2) != 0);
    }

    /**
     * and, or, xor (and andi, ori, xori) of word-valued operands ({@link #wordRegs}; a 12-bit immediate is one too) as
     * a JVM int operation, {@code (long) ((int) a OP (int) b)}, pushing the result; false (nothing emitted) otherwise.
     * Equal to the 64-bit operation: each bit above 31 of a sign-extended value is its bit 31, and and, or, xor act bit
     * by bit. The point is what HotSpot sees: code built of 32-bit operations (SHA-256's rounds: rotates written as
     * srliw, slliw and or, then xor and addw) stays in int arithmetic without a conversion between every two
     * instructions, and C2 matches an int or of a left and a right shift of one value as a rotate.
     */
    private boolean emitWordLogic(String op, boolean imm, int insn, int rs1, int rs2) {
        if (!hasWordOperands(op, imm, rs1, rs2)) return false;
        loadReg(rs1);
        mv.visitInsn(L2I);
        if (imm) {
            pushInt((int) Decode.immI(insn));
        } else {
            loadReg(rs2);
            mv.visitInsn(L2I);
        }
        mv.visitInsn(op.equals("and") ? IAND : op.equals("or") ? IOR : IXOR);
        mv.visitInsn(I2L);
        return true;
    }

    /** Emits one instruction; {@code remaining} counts it and the rest of its block (not yet retired). */
    private void emitInstruction(Insn in, int remaining) {
        int insn = in.bits;
        int rd = Decode.rd(insn), rs1 = Decode.rs1(insn), rs2 = Decode.rs2(insn);
        switch (in.kind) {
            case LUI:
                if (rd == 0) return;
                pushLong(Decode.immU(insn));
                storeReg(rd);
                return;
            case AUIPC:
                if (rd == 0) return;
                pagePlus(in.off + Decode.immU(insn));
                storeReg(rd);
                return;
            case ALU_IMM:
            case ALU_REG:
                if (rd == 0) return;
                String op = Decode.aluOperation(insn);
                // (The hot tier keeps Alu's sltu and high products, which C2 inlines: its code for them was faster than
                // these written-out forms, round 25; since round 53 sltu is emitSetLessThan's compare below.)
                if (!className.equals(HOT_NAME)
                        && (emitSetLessThanUnsigned(op, in.kind == ALU_IMM, insn, rs1, rs2) || emitMulHigh(op, rs1, rs2))) {
                    storeReg(rd);
                    return;
                }
                if (wordLogic && emitWordLogic(op, in.kind == ALU_IMM, insn, rs1, rs2)) {
                    storeReg(rd);
                    return;
                }
                if (emitBitmanip(op, in.kind == ALU_IMM, insn, rs1, rs2, rd)) return;
                loadReg(rs1);
                if (emitWordShift(op, in.kind == ALU_IMM, insn, rs2)) {
                    storeReg(rd);
                    return;
                }
                if (inlineAluNow && emitPlainAlu(op, in.kind == ALU_IMM, insn, rs2)) {
                    storeReg(rd);
                    return;
                }
                if (inlineAluNow && emitSetLessThan(op, in.kind == ALU_IMM, insn, rs2, rd)) return;
                if (in.kind == ALU_IMM) pushLong(Decode.immI(insn)); else loadReg(rs2);
                mv.visitMethodInsn(INVOKESTATIC, ALU, op, "(JJ)J", false);
                aluCallBytes += inlineAluNow ? aluInlineBytes(op) : ALU_CALL_INLINE;
                storeReg(rd);
                return;
            case NOP:
                return;
            case JAL:
                if (rd != 0) {
                    pagePlus(in.off + in.len);
                    storeReg(rd);
                }
                markCall = rd != 0; // (for the profile: an exit that is a call)
                jumpTo(in.off, in.off + Decode.immJ(insn));
                markCall = false;
                return;
            case JALR:
                loadReg(rs1);
                pushLong(Decode.immI(insn));
                mv.visitInsn(LADD);
                pushLong(~1L);
                mv.visitInsn(LAND);
                mv.visitVarInsn(LSTORE, L_EXITPC);
                if (rd != 0) {
                    pagePlus(in.off + in.len);
                    storeReg(rd);
                }
                // A return to a call of this unit (calls inside a unit): go on there when the target is that return point.
                for (int r : returnPointsAt(in.off)) {
                    mv.visitVarInsn(LLOAD, L_EXITPC);
                    pagePlus(r);
                    mv.visitInsn(LCMP);
                    mv.visitJumpInsn(IFEQ, branchTarget(in.off, r));
                }
                setExitSlot(TranslatedUnit.EXIT_JALR, in.off); // an indirect jump: the slot caches the unit of the target it took last
                mv.visitJumpInsn(GOTO, commonExit);
                return;
            case BRANCH:
                emitBranch(in, rs1, rs2);
                return;
            case LOAD:
                emitLoad(in, rd, rs1, remaining);
                return;
            case STORE:
                emitStore(in, rs1, rs2, remaining);
                return;
            default:
                emitHelper(in, remaining);
        }
    }

    /**
     * A conditional branch as one JVM long compare and conditional jump ({@code lcmp; ifXX}), which C1 compiles to a
     * compare and a jump. The condition is {@link Alu}'s (beq, bne, blt, bge, bltu, bgeu, as {@link Decode#branchOperation}
     * names it): calling those methods instead cost C1 code a materialised boolean per branch and, for the unsigned
     * pair, the inlined {@code Long.compareUnsigned}. Unsigned order is signed order with the sign bits flipped.
     */
    private void emitBranch(Insn in, int rs1, int rs2) {
        String op = Decode.branchOperation(in.bits);
        boolean unsigned = op.equals("bltu") || op.equals("bgeu");
        loadReg(rs1);
        if (unsigned) flipSign();
        loadReg(rs2);
        if (unsigned) flipSign();
        mv.visitInsn(LCMP);
        int jump;
        switch (op) {
            case "beq": jump = IFEQ; break;
            case "bne": jump = IFNE; break;
            case "blt": case "bltu": jump = IFLT; break;
            case "bge": case "bgeu": jump = IFGE; break;
            default: throw new IllegalStateException("unknown branch " + op);
        }
        Label taken = branchTarget(in.off, in.off + Decode.immB(in.bits));
        mv.visitJumpInsn(jump, taken);
        jumpTo(in.off, in.off + in.len);
    }

    /**
     * add, sub, and, or, xor, sll, srl, sra, addw, subw, mul, mulw (and the immediate forms) as JVM instructions, with
     * rs1's value on the stack, pushing the result ({@link #inlineAluNow}); false (nothing emitted) for any other
     * operation. Each is the bytecode javac makes of its {@link Alu} method's body: the long shifts take the distance's
     * low 6 bits ({@code L2I}, then the JVM masks it, as the ISA does), the word forms are {@code (long) (int) (a OP b)}
     * (the low 32 bits of the 64-bit result are the 32-bit one's) and mulw is {@code (long) ((int) a * (int) b)}.
     * InlineAluTest runs every form on edge values against Alu.
     */
    private boolean emitPlainAlu(String op, boolean imm, int insn, int rs2) {
        int jvm;
        boolean shift = false, word = false, intOperands = false;
        switch (op) {
            case "add": jvm = LADD; break;
            case "sub": jvm = LSUB; break;
            case "and": jvm = LAND; break;
            case "or": jvm = LOR; break;
            case "xor": jvm = LXOR; break;
            case "mul": jvm = LMUL; break;
            case "sll": jvm = LSHL; shift = true; break;
            case "srl": jvm = LUSHR; shift = true; break;
            case "sra": jvm = LSHR; shift = true; break;
            case "addw": jvm = LADD; word = true; break;
            case "subw": jvm = LSUB; word = true; break;
            case "mulw": jvm = IMUL; intOperands = true; break;
            default: return false;
        }
        if (intOperands) mv.visitInsn(L2I);
        if (shift) {
            if (imm) {
                pushInt((int) Decode.immI(insn) & 63);
            } else {
                loadReg(rs2);
                mv.visitInsn(L2I);
            }
        } else if (intOperands) {
            loadReg(rs2); // (mul has no immediate form)
            mv.visitInsn(L2I);
        } else {
            if (imm) pushLong(Decode.immI(insn)); else loadReg(rs2);
        }
        mv.visitInsn(jvm);
        if (word) mv.visitInsn(L2I);
        if (word || intOperands) mv.visitInsn(I2L);
        return true;
    }

    private static final String JAVA_LONG = "java/lang/Long", JAVA_INTEGER = "java/lang/Integer";

    /**
     * A Zba, Zbb or Zbs operation ({@link Decode#isBitmanip}) written out, in both tiers, storing rd; false (nothing
     * emitted) for any other operation. Each is its {@link Alu} method's body as JVM operations: shifts, masks, a
     * two-way store for min and max (as {@link #emitSetLessThan}), the rotates as {@code a << n | a >>> -n} (which C2
     * matches as a rotate), and for the counts and rev8 the JDK's {@code Long}/{@code Integer} methods, which C2 compiles
     * to one host instruction (lzcnt, tzcnt, popcnt, bswap), instead of Alu's wrapper around them (C1: not checked).
     * BitmanipTest runs every form on edge operands against Alu; the differential test runs them against the interpreter.
     */
    private boolean emitBitmanip(String op, boolean imm, int insn, int rs1, int rs2, int rd) {
        int index = Decode.bitmanipIndex(op);
        if (index < 0) return false;
        if (Interpreter.BITMANIP_COUNTS) { // Decode.BITMANIP_RETIRED[index]++
            mv.visitFieldInsn(GETSTATIC, "org/vmckpt/machine/cpu/Decode", "BITMANIP_RETIRED", "[J");
            pushInt(index);
            mv.visitInsn(DUP2);
            mv.visitInsn(LALOAD);
            mv.visitInsn(LCONST_1);
            mv.visitInsn(LADD);
            mv.visitInsn(LASTORE);
        }
        int shamt = (int) Decode.immI(insn) & 63; // (the immediate forms' shift amount or bit index)
        switch (index) {
            case Decode.B_ADD_UW: case Decode.B_SH1ADD_UW: case Decode.B_SH2ADD_UW: case Decode.B_SH3ADD_UW:
            case Decode.B_SH1ADD: case Decode.B_SH2ADD: case Decode.B_SH3ADD: {
                loadReg(rs1);
                boolean uw = index == Decode.B_ADD_UW || index >= Decode.B_SH1ADD_UW;
                int n = index == Decode.B_ADD_UW ? 0 : index >= Decode.B_SH1ADD_UW ? index - Decode.B_SH1ADD_UW + 1 : index;
                if (uw) {
                    pushLong(0xffffffffL);
                    mv.visitInsn(LAND);
                }
                if (n != 0) {
                    pushInt(n);
                    mv.visitInsn(LSHL);
                }
                loadReg(rs2);
                mv.visitInsn(LADD);
                break;
            }
            case Decode.B_SLL_UW:
                loadReg(rs1);
                pushLong(0xffffffffL);
                mv.visitInsn(LAND);
                pushInt(shamt);
                mv.visitInsn(LSHL);
                break;
            case Decode.B_ANDN: case Decode.B_ORN: case Decode.B_XNOR:
                loadReg(rs1);
                loadReg(rs2);
                if (index != Decode.B_XNOR) {
                    pushLong(-1L);
                    mv.visitInsn(LXOR);
                }
                mv.visitInsn(index == Decode.B_ANDN ? LAND : index == Decode.B_ORN ? LOR : LXOR);
                if (index == Decode.B_XNOR) {
                    pushLong(-1L);
                    mv.visitInsn(LXOR);
                }
                break;
            case Decode.B_CLZ: case Decode.B_CTZ: case Decode.B_CPOP:
                loadReg(rs1);
                mv.visitMethodInsn(INVOKESTATIC, JAVA_LONG, index == Decode.B_CLZ ? "numberOfLeadingZeros"
                        : index == Decode.B_CTZ ? "numberOfTrailingZeros" : "bitCount", "(J)I", false);
                mv.visitInsn(I2L);
                break;
            case Decode.B_CLZW: case Decode.B_CTZW: case Decode.B_CPOPW:
                loadReg(rs1);
                mv.visitInsn(L2I);
                mv.visitMethodInsn(INVOKESTATIC, JAVA_INTEGER, index == Decode.B_CLZW ? "numberOfLeadingZeros"
                        : index == Decode.B_CTZW ? "numberOfTrailingZeros" : "bitCount", "(I)I", false);
                mv.visitInsn(I2L);
                break;
            case Decode.B_MAX: case Decode.B_MIN: case Decode.B_MAXU: case Decode.B_MINU: {
                boolean unsigned = index == Decode.B_MAXU || index == Decode.B_MINU;
                boolean max = index == Decode.B_MAX || index == Decode.B_MAXU;
                loadReg(rs1);
                if (unsigned) flipSign();
                loadReg(rs2);
                if (unsigned) flipSign();
                mv.visitInsn(LCMP);
                Label takeB = new Label(), done = new Label();
                mv.visitJumpInsn(max ? IFLT : IFGT, takeB); // max: a < b takes b; min: a > b takes b (equal: either)
                loadReg(rs1);
                storeReg(rd);
                mv.visitJumpInsn(GOTO, done);
                target(takeB);
                loadReg(rs2);
                storeReg(rd);
                target(done);
                return true;
            }
            case Decode.B_SEXT_B: case Decode.B_SEXT_H:
                loadReg(rs1);
                mv.visitInsn(L2I);
                mv.visitInsn(index == Decode.B_SEXT_B ? I2B : I2S);
                mv.visitInsn(I2L);
                break;
            case Decode.B_ZEXT_H:
                loadReg(rs1);
                pushLong(0xffffL);
                mv.visitInsn(LAND);
                break;
            case Decode.B_ROL: case Decode.B_ROR: { // a << n | a >>> -n (rol), a >>> n | a << -n (ror)
                boolean left = index == Decode.B_ROL;
                loadReg(rs1);
                pushDistance(imm, shamt, rs2, false);
                mv.visitInsn(left ? LSHL : LUSHR);
                loadReg(rs1);
                pushDistance(imm, shamt, rs2, true);
                mv.visitInsn(left ? LUSHR : LSHL);
                mv.visitInsn(LOR);
                break;
            }
            case Decode.B_ROLW: case Decode.B_RORW: { // the same in int arithmetic, sign-extended
                boolean left = index == Decode.B_ROLW;
                loadReg(rs1);
                mv.visitInsn(L2I);
                pushDistance(imm, shamt & 31, rs2, false);
                mv.visitInsn(left ? ISHL : IUSHR);
                loadReg(rs1);
                mv.visitInsn(L2I);
                pushDistance(imm, shamt & 31, rs2, true);
                mv.visitInsn(left ? IUSHR : ISHL);
                mv.visitInsn(IOR);
                mv.visitInsn(I2L);
                break;
            }
            case Decode.B_ORC_B:
                loadReg(rs1);
                pushLong(0x7f7f7f7f7f7f7f7fL);
                mv.visitInsn(LAND);
                pushLong(0x7f7f7f7f7f7f7f7fL);
                mv.visitInsn(LADD);
                loadReg(rs1);
                mv.visitInsn(LOR);
                pushLong(0x8080808080808080L);
                mv.visitInsn(LAND);
                pushInt(7);
                mv.visitInsn(LUSHR);
                pushLong(0xffL);
                mv.visitInsn(LMUL);
                break;
            case Decode.B_REV8:
                loadReg(rs1);
                mv.visitMethodInsn(INVOKESTATIC, JAVA_LONG, "reverseBytes", "(J)J", false);
                break;
            case Decode.B_BEXT:
                loadReg(rs1);
                pushDistance(imm, shamt, rs2, false);
                mv.visitInsn(LUSHR);
                mv.visitInsn(LCONST_1);
                mv.visitInsn(LAND);
                break;
            default: { // bclr, binv, bset: a OP (1L << n), bclr with the mask inverted
                loadReg(rs1);
                mv.visitInsn(LCONST_1);
                pushDistance(imm, shamt, rs2, false);
                mv.visitInsn(LSHL);
                if (index == Decode.B_BCLR) {
                    pushLong(-1L);
                    mv.visitInsn(LXOR);
                }
                mv.visitInsn(index == Decode.B_BCLR ? LAND : index == Decode.B_BINV ? LXOR : LOR);
                break;
            }
        }
        storeReg(rd);
        return true;
    }

    /**
     * A shift distance as an int: the immediate form's {@code shamt} (negated: {@code -shamt}, which the JVM masks as
     * the ISA masks the other half of a rotate), or rs2's low bits (negated with {@code INEG}).
     */
    private void pushDistance(boolean imm, int shamt, int rs2, boolean negate) {
        if (imm) {
            pushInt(negate ? -shamt : shamt);
        } else {
            loadReg(rs2);
            mv.visitInsn(L2I);
            if (negate) mv.visitInsn(INEG);
        }
    }

    /**
     * slt, sltu, slti, sltiu (seqz, snez) as a long compare and a store of 1 or 0 to rd on its two paths, with rs1's
     * value on the stack ({@link #inlineAluNow}); false (nothing emitted) for any other operation. Unsigned order is
     * signed order with the sign bits flipped, as in {@link #emitBranch}. Not a call of {@link Alu#sltu}: that is 50
     * bytes of C2's inlining budget ({@code Long.compareUnsigned} and {@code Long.compare} are no intrinsics in JDK 17)
     * and its compares' profile is shared by every caller, so C2 compiled it as branches even where the outcome is a
     * coin toss; here the branch has this site's own profile, and C2 makes a conditional move of a diamond whose
     * profile is not one-sided (BlockLayoutMinDiamondPercentage) and keeps the branch where it is. In a C2-compiled
     * loop of dependent compares (a micro-benchmark of round 53, docs/BENCHMARKS.md) Alu.sltu took 3.2 ns a compare on
     * random operands and 0.45 ns on one-sided ones, this diamond 1.65 and 0.36 ns.
     */
    private boolean emitSetLessThan(String op, boolean imm, int insn, int rs2, int rd) {
        boolean unsigned = op.equals("sltu");
        if (!unsigned && !op.equals("slt")) return false;
        if (unsigned) flipSign();
        if (imm) {
            long b = Decode.immI(insn);
            pushLong(unsigned ? b ^ Long.MIN_VALUE : b);
        } else {
            loadReg(rs2);
            if (unsigned) flipSign();
        }
        mv.visitInsn(LCMP);
        Label notLess = new Label(), done = new Label();
        mv.visitJumpInsn(IFGE, notLess);
        mv.visitInsn(LCONST_1);
        storeReg(rd);
        mv.visitJumpInsn(GOTO, done);
        target(notLess);
        mv.visitInsn(LCONST_0);
        storeReg(rd);
        target(done);
        return true;
    }

    /**
     * The bytecode C2 inlines for a call of {@code Alu.op} (its own and the JDK methods it calls, -XX:+PrintInlining on
     * JDK 17; {@code Math.multiplyHigh} is an intrinsic, not inlined bytecode): the count of a unit's calls left with
     * a hot-tier unit (a C1 unit's calls count {@link #ALU_CALL_INLINE} each, the figure round 51's bound was fitted with).
     */
    static int aluInlineBytes(String op) {
        switch (op) {
            case "add": case "sub": case "and": case "or": case "xor": case "mul": return 4;
            case "sll": case "srl": case "sra": return 5;
            case "addw": case "subw": case "mulh": return 6;
            case "mulw": return 7;
            case "sllw": case "srlw": case "sraw": return 11;
            case "slt": return 12;
            case "mulhsu": return 13;
            case "mulhu": return 20;
            case "rem": return 34;
            case "div": return 36;
            case "remw": return 43;
            case "divw": return 44;
            case "sltu": return 50;
            case "divuw": case "remuw": return 53;
            case "divu": return 72;
            case "remu": return 73;
            default:
                // Zba, Zbb, Zbs: emitBitmanip writes every one out, so no unit calls them; counted as an unmeasured call.
                if (Decode.isBitmanip(op)) return ALU_CALL_INLINE;
                throw new IllegalArgumentException("no Alu operation " + op);
        }
    }

    /**
     * The word shifts (sllw, srlw, sraw and their immediate forms) as JVM int shifts, with rs1's value on the stack:
     * {@code (long) ((int) a OP (int) b)}, the JVM masking the distance to 5 bits as the ISA does; false (nothing
     * emitted) for any other operation. {@link Alu#sllw} and friends define the same; called, they were left as calls
     * at some sites of hot units ("callee uses too much stack" in -XX:+PrintInlining, round 23). The differential
     * tests compare both engines on them.
     */
    private boolean emitWordShift(String op, boolean imm, int insn, int rs2) {
        int shift;
        switch (op) {
            case "sllw": shift = ISHL; break;
            case "srlw": shift = IUSHR; break;
            case "sraw": shift = ISHR; break;
            default: return false;
        }
        mv.visitInsn(L2I);
        if (imm) {
            pushInt((int) Decode.immI(insn) & 31);
        } else {
            loadReg(rs2);
            mv.visitInsn(L2I);
        }
        mv.visitInsn(shift);
        mv.visitInsn(I2L);
        return true;
    }

    /**
     * sltu, sltiu (and so seqz, snez) as JVM operations, pushing the result; false (nothing emitted) for any other
     * operation. {@link Alu#sltu} defines the same, but C1 left its {@code Long.compareUnsigned} as a call at every site
     * of a unit ("callee uses too much stack" in -XX:+PrintInlining, round 25), with the unit's live registers spilled
     * around it; the signed guest's ECDSA (big-number carries) is full of them. No compare either: C1 makes a
     * conditional move only of an int compare, and compiles a long one to a branch, which a carry (as often set as
     * clear) makes the host mispredict (round 25: a C1 unit of carries ran 0.64-0.88 ns per instruction so, 0.41-0.43
     * with this). With a = 2a' + a0 and b = 2b' + b0 (a', b' < 2^63, so no overflow):
     * {@code a <u b  <=>  a' - b' - (a0 < b0) < 0}, and {@code a0 < b0} is {@code ~a & b & 1}; the sign bit is the result.
     */
    private boolean emitSetLessThanUnsigned(String op, boolean imm, int insn, int rs1, int rs2) {
        if (!op.equals("sltu")) return false;
        loadReg(rs1);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(LUSHR);
        if (imm) { // the immediate, sign-extended, compared unsigned: its halves are known now
            long b = Decode.immI(insn);
            pushLong(b >>> 1);
            mv.visitInsn(LSUB);
            if ((b & 1) != 0) { // (else a0 < b0 is false)
                loadReg(rs1);
                mv.visitInsn(LCONST_1);
                mv.visitInsn(LAND);
                mv.visitInsn(LCONST_1);
                mv.visitInsn(LXOR);
                mv.visitInsn(LSUB);
            }
        } else {
            loadReg(rs2);
            mv.visitInsn(ICONST_1);
            mv.visitInsn(LUSHR);
            mv.visitInsn(LSUB);
            loadReg(rs1);
            pushLong(-1L);
            mv.visitInsn(LXOR);
            loadReg(rs2);
            mv.visitInsn(LAND);
            mv.visitInsn(LCONST_1);
            mv.visitInsn(LAND);
            mv.visitInsn(LSUB);
        }
        mv.visitIntInsn(BIPUSH, 63);
        mv.visitInsn(LUSHR);
        return true;
    }

    /**
     * mulh, mulhsu, mulhu as JVM operations, pushing the result; false (nothing emitted) for any other operation.
     * {@link Alu#mulhu} and friends define the same with {@code Math.multiplyHigh}, which C1 does not inline ("callee is
     * too large"; it is no C1 intrinsic) and whose callers C1 refused ("callee uses too much stack"), so in a C1 unit
     * every one was a call. Here the unsigned product's high word comes from four 32x32-bit products, and the signed
     * forms subtract its corrections: high(a * b) = highu(a * b) - (a < 0 ? b : 0) - (b < 0 ? a : 0). (Not in the hot
     * tier: C2 inlines Alu's methods, and {@code Math.multiplyHigh} is one instruction there.)
     */
    private boolean emitMulHigh(String op, int rs1, int rs2) {
        boolean signedA = op.equals("mulh") || op.equals("mulhsu"), signedB = op.equals("mulh");
        if (!signedA && !op.equals("mulhu")) return false;
        // lh = (a >>> 32) * (b & M), in L_TMP; cross = ((a & M) * (b & M) >>> 32) + (lh & M) + (a & M) * (b >>> 32),
        // in L_VA (at most 2^64 - 1: no carry is lost); highu = (a >>> 32) * (b >>> 32) + (lh >>> 32) + (cross >>> 32).
        // (L_TMP and L_VA hold a load's value and address only within their instruction.)
        half(rs1, true);
        half(rs2, false);
        mv.visitInsn(LMUL);
        mv.visitVarInsn(LSTORE, L_TMP);
        half(rs1, false);
        half(rs2, false);
        mv.visitInsn(LMUL);
        mv.visitIntInsn(BIPUSH, 32);
        mv.visitInsn(LUSHR);
        mv.visitVarInsn(LLOAD, L_TMP);
        mv.visitLdcInsn(0xffffffffL);
        mv.visitInsn(LAND);
        mv.visitInsn(LADD);
        half(rs1, false);
        half(rs2, true);
        mv.visitInsn(LMUL);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, L_VA);
        half(rs1, true);
        half(rs2, true);
        mv.visitInsn(LMUL);
        mv.visitVarInsn(LLOAD, L_TMP);
        mv.visitIntInsn(BIPUSH, 32);
        mv.visitInsn(LUSHR);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitIntInsn(BIPUSH, 32);
        mv.visitInsn(LUSHR);
        mv.visitInsn(LADD);
        if (signedA) subtractIfNegative(rs1, rs2);
        if (signedB) subtractIfNegative(rs2, rs1);
        return true;
    }

    /** Register {@code r}'s high 32 bits ({@code >>> 32}) or low 32 bits ({@code & 0xffffffff}) on the stack. */
    private void half(int r, boolean high) {
        loadReg(r);
        if (high) {
            mv.visitIntInsn(BIPUSH, 32);
            mv.visitInsn(LUSHR);
        } else {
            mv.visitLdcInsn(0xffffffffL);
            mv.visitInsn(LAND);
        }
    }

    /** Subtracts from the stack's long {@code (x >> 63) & y}: y if register x is negative, else 0. */
    private void subtractIfNegative(int x, int y) {
        loadReg(x);
        mv.visitIntInsn(BIPUSH, 63);
        mv.visitInsn(LSHR);
        loadReg(y);
        mv.visitInsn(LAND);
        mv.visitInsn(LSUB);
    }

    /** {@code value ^ Long.MIN_VALUE} on the stack's long. */
    private void flipSign() {
        mv.visitLdcInsn(Long.MIN_VALUE);
        mv.visitInsn(LXOR);
    }

    /**
     * The TLB fast path, inline: computes va, its TLB index and page offset into locals, and jumps to {@code slow}
     * unless the {@code tags} entry matches the data context and the access of {@code size} bytes stays in the page.
     */
    private void emitTlbCheck(int rs1, long imm, int size, int tagSlot, Label slow) {
        loadReg(rs1);
        pushLong(imm);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, L_VA);
        mv.visitVarInsn(LLOAD, L_VA);
        emitTagCompare(tagSlot, slow);
        storePageOffset(size, slow);
    }

    /**
     * {@link #compactLeaveNow}'s TLB fast path: va into L_VA, its TLB index into L_IDX; to {@code slow} unless the entry's tag
     * in {@code tagSlot} is the page number of the access's last byte with the data context (so also if the access
     * leaves the page: see {@link #compactLeaveNow}); then leaves Unsafe, the entry's page array from {@code pageSlot} and
     * the address of va's page offset in it on the stack, as {@link #pushPageAddress}.
     */
    private void emitCompactCheck(int rs1, long imm, int size, int tagSlot, int pageSlot, Label slow) {
        loadReg(rs1);
        if (imm != 0) {
            pushLong(imm);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, L_VA);
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitIntInsn(BIPUSH, 12);
        mv.visitInsn(LUSHR);
        mv.visitInsn(L2I);
        pushInt(Hart.TLB_MASK);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, L_IDX);
        pushTag(tagSlot);
        mv.visitVarInsn(LLOAD, L_VA);
        if (size > 1) {
            pushLong(size - 1);
            mv.visitInsn(LADD);
        }
        mv.visitIntInsn(BIPUSH, 12);
        mv.visitInsn(LUSHR);
        pushDataContext();
        mv.visitInsn(LOR);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, slow);
        mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
        pushPage(pageSlot);
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitLdcInsn(0xfffL);
        mv.visitInsn(LAND);
        mv.visitLdcInsn(BYTE_BASE);
        mv.visitInsn(LADD);
    }

    /** Stores va's page offset (from L_VA) into L_OFF and jumps to {@code slow} if an access of {@code size} bytes there leaves the page. */
    private void storePageOffset(int size, Label slow) {
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitInsn(L2I);
        pushInt(0xfff);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, L_OFF);
        if (size > 1) {
            mv.visitVarInsn(ILOAD, L_OFF);
            pushInt(4096 - size);
            mv.visitJumpInsn(IF_ICMPGT, slow);
        }
    }

    /**
     * From the address on the stack (which L_VA also holds): stores its TLB index into L_IDX and jumps to {@code slow}
     * unless the entry's tag in the tag array in {@code tagSlot} is its page number with the data context.
     */
    private void emitTagCompare(int tagSlot, Label slow) {
        mv.visitIntInsn(BIPUSH, 12);
        mv.visitInsn(LUSHR);
        mv.visitInsn(L2I);
        pushInt(Hart.TLB_MASK);
        mv.visitInsn(IAND);
        mv.visitVarInsn(ISTORE, L_IDX);
        // (the page number computed again from L_VA, which holds the address)
        pushTag(tagSlot);
        mv.visitVarInsn(LLOAD, L_VA);
        mv.visitIntInsn(BIPUSH, 12);
        mv.visitInsn(LUSHR);
        pushDataContext();
        mv.visitInsn(LOR);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFNE, slow);
    }

    /** Pushes the tag of TLB entry L_IDX from the tag array in {@code tagSlot}. */
    private void pushTag(int tagSlot) {
        mv.visitVarInsn(ALOAD, tagSlot);
        mv.visitVarInsn(ILOAD, L_IDX);
        mv.visitInsn(LALOAD);
    }

    /** Pushes the page array of TLB entry L_IDX from the page array in {@code pageSlot}. */
    private void pushPage(int pageSlot) {
        mv.visitVarInsn(ALOAD, pageSlot);
        mv.visitVarInsn(ILOAD, L_IDX);
        mv.visitInsn(AALOAD);
    }

    /** Pushes the data translation context ({@code Mmu.dataCtx}, read at every access). */
    private void pushDataContext() {
        mv.visitVarInsn(ALOAD, L_MMU);
        mv.visitFieldInsn(GETFIELD, MMU, "dataCtx", "J");
    }

    /** Pushes Unsafe, the page array of TLB entry L_IDX from {@code pageSlot}, and the address of L_OFF in it. */
    private void pushPageAddress(int pageSlot) {
        mv.visitFieldInsn(GETSTATIC, HART, "UNSAFE", "L" + UNSAFE + ";");
        pushPage(pageSlot);
        mv.visitVarInsn(ILOAD, L_OFF);
        mv.visitInsn(I2L);
        mv.visitLdcInsn(BYTE_BASE);
        mv.visitInsn(LADD);
    }

    private void emitLoad(Insn in, int rd, int rs1, int remaining) {
        int f3 = Decode.funct3(in.bits);
        int size = 1 << (f3 & 3);
        Label slow = new Label(), done = new Label();
        int group = groupNow(), across = groupsAcross();
        boolean firstOfGroup = group >= 0 && groupsNow.first[indexNow];
        int groupMin = group >= 0 ? groupsNow.minOff[group] : 0, groupSpan = group >= 0 ? groupsNow.span[group] : 0;
        if (group >= 0) {
            emitGroupedAccess(group, rs1, Decode.immI(in.bits), false, slow);
        } else if (compactLeaveNow) {
            Label leave = missLeaveBefore(in, remaining, TranslatorCensus.S_LOAD);
            emitCompactCheck(rs1, Decode.immI(in.bits), size, L_RTAG, L_RPAGE, leave);
            emitLoadHit(size, f3, rd);
            return;
        } else {
            emitTlbCheck(rs1, Decode.immI(in.bits), size, L_RTAG, slow);
            pushPageAddress(L_RPAGE);
        }
        switch (size) {
            case 1: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getByte", "(Ljava/lang/Object;J)B", false); break;
            case 2: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getShort", "(Ljava/lang/Object;J)S", false); break;
            case 4: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getInt", "(Ljava/lang/Object;J)I", false); break;
            default: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getLong", "(Ljava/lang/Object;J)J", false);
        }
        extendLoaded(f3);
        mv.visitVarInsn(LSTORE, L_TMP);
        // Slow path, out of line (after the blocks, so the hot code stays dense): the hart's own access (TLB fill,
        // page walk, faults, devices).
        addStub(TranslatorCensus.S_LOAD, () -> {
            target(slow);
            if (group >= 0 && groupFallbackNow) {
                // (a group whose page is null: this access's own check first, as without groups)
                Label full = new Label();
                emitOwnCheck(rs1, Decode.immI(in.bits), size, false, full);
                switch (size) {
                    case 1: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getByte", "(Ljava/lang/Object;J)B", false); break;
                    case 2: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getShort", "(Ljava/lang/Object;J)S", false); break;
                    case 4: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getInt", "(Ljava/lang/Object;J)I", false); break;
                    default: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getLong", "(Ljava/lang/Object;J)J", false);
                }
                extendLoaded(f3);
                mv.visitVarInsn(LSTORE, L_TMP);
                mv.visitJumpInsn(GOTO, done);
                target(full); // (L_VA holds the access's address)
            } else if (group >= 0) {
                storeAccessAddress(rs1, Decode.immI(in.bits));
            }
            countProfile(TranslationProfile.TLB_MISS);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, L_VA);
            switch (size) {
                case 1: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "load8", "(J)I", false); break;
                case 2: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "load16", "(J)I", false); break;
                case 4: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "load32", "(J)I", false); break;
                default: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "load64", "(J)J", false);
            }
            extendLoaded(f3);
            mv.visitVarInsn(LSTORE, L_TMP);
            forgetAfterCall(); // (the context stays: see afterHartCall)
            forgetGroups(across);
            recheckGroup(group, rs1, groupMin, groupSpan, false, firstOfGroup);
            if (compactLeaveNow) { // (C1 only)
                unitExitOrGoTo(in, remaining, done);
                return;
            }
            checkUnitExit(in, remaining);
            mv.visitJumpInsn(GOTO, done);
        });
        target(done);
        if (rd != 0) {
            mv.visitVarInsn(LLOAD, L_TMP);
            storeReg(rd);
        }
    }

    /** A load's access on the hit path (Unsafe, the page and the address on the stack): the value into rd (none: x0). */
    private void emitLoadHit(int size, int f3, int rd) {
        switch (size) {
            case 1: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getByte", "(Ljava/lang/Object;J)B", false); break;
            case 2: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getShort", "(Ljava/lang/Object;J)S", false); break;
            case 4: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getInt", "(Ljava/lang/Object;J)I", false); break;
            default: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "getLong", "(Ljava/lang/Object;J)J", false);
        }
        extendLoaded(f3);
        if (rd != 0) storeReg(rd);
        else mv.visitInsn(POP2);
    }

    /** As the interpreter: lb/lh/lw sign-extend, lbu/lhu/lwu zero-extend (from the int or long on the stack). */
    private void extendLoaded(int f3) {
        switch (f3) {
            case 0: mv.visitInsn(I2B); mv.visitInsn(I2L); break;
            case 1: mv.visitInsn(I2S); mv.visitInsn(I2L); break;
            case 2: mv.visitInsn(I2L); break;
            case 4: mv.visitInsn(I2L); pushLong(0xffL); mv.visitInsn(LAND); break;
            case 5: mv.visitInsn(I2L); pushLong(0xffffL); mv.visitInsn(LAND); break;
            case 6: mv.visitInsn(I2L); pushLong(0xffffffffL); mv.visitInsn(LAND); break;
            default: break;
        }
    }

    private void emitStore(Insn in, int rs1, int rs2, int remaining) {
        int f3 = Decode.funct3(in.bits);
        int size = 1 << f3;
        Label slow = new Label(), done = new Label();
        int group = groupNow(), across = groupsAcross();
        boolean firstOfGroup = group >= 0 && groupsNow.first[indexNow];
        int groupMin = group >= 0 ? groupsNow.minOff[group] : 0, groupSpan = group >= 0 ? groupsNow.span[group] : 0;
        if (group >= 0) {
            emitGroupedAccess(group, rs1, Decode.immS(in.bits), true, slow);
        } else if (compactLeaveNow) {
            Label leave = missLeaveBefore(in, remaining, TranslatorCensus.S_STORE);
            emitCompactCheck(rs1, Decode.immS(in.bits), size, L_WTAG, L_WPAGE, leave);
        } else {
            emitTlbCheck(rs1, Decode.immS(in.bits), size, L_WTAG, slow);
            pushPageAddress(L_WPAGE);
        }
        loadReg(rs2);
        switch (size) {
            case 1: mv.visitInsn(L2I); mv.visitInsn(I2B); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putByte", "(Ljava/lang/Object;JB)V", false); break;
            case 2: mv.visitInsn(L2I); mv.visitInsn(I2S); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putShort", "(Ljava/lang/Object;JS)V", false); break;
            case 4: mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putInt", "(Ljava/lang/Object;JI)V", false); break;
            default: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putLong", "(Ljava/lang/Object;JJ)V", false);
        }
        if (compactLeaveNow && group < 0) return; // (a miss left before the access; a group's member jumps to its slow path)
        addStub(TranslatorCensus.S_STORE, () -> {
            target(slow);
            if (group >= 0 && groupFallbackNow) {
                // (a group whose page is null: this access's own check first, as without groups)
                Label full = new Label();
                emitOwnCheck(rs1, Decode.immS(in.bits), size, true, full);
                loadReg(rs2);
                switch (size) {
                    case 1: mv.visitInsn(L2I); mv.visitInsn(I2B); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putByte", "(Ljava/lang/Object;JB)V", false); break;
                    case 2: mv.visitInsn(L2I); mv.visitInsn(I2S); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putShort", "(Ljava/lang/Object;JS)V", false); break;
                    case 4: mv.visitInsn(L2I); mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putInt", "(Ljava/lang/Object;JI)V", false); break;
                    default: mv.visitMethodInsn(INVOKEVIRTUAL, UNSAFE, "putLong", "(Ljava/lang/Object;JJ)V", false);
                }
                mv.visitJumpInsn(GOTO, done);
                target(full); // (L_VA holds the access's address)
            } else if (group >= 0) {
                storeAccessAddress(rs1, Decode.immS(in.bits));
            }
            countProfile(TranslationProfile.TLB_MISS);
            mv.visitVarInsn(ALOAD, L_MMU);
            mv.visitVarInsn(LLOAD, L_VA);
            loadReg(rs2);
            if (size != 8) mv.visitInsn(L2I);
            switch (size) {
                case 1: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "store8", "(JI)V", false); break;
                case 2: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "store16", "(JI)V", false); break;
                case 4: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "store32", "(JI)V", false); break;
                default: mv.visitMethodInsn(INVOKEVIRTUAL, MMU, "store64", "(JJ)V", false);
            }
            forgetAfterCall(); // (the context stays: see afterHartCall)
            forgetGroups(across);
            recheckGroup(group, rs1, groupMin, groupSpan, true, firstOfGroup);
            if (compactLeaveNow) { // (C1 only)
                unitExitOrGoTo(in, remaining, done);
                return;
            }
            checkUnitExit(in, remaining);
            mv.visitJumpInsn(GOTO, done);
        });
        target(done);
    }

    /**
     * An instruction the interpreter runs ({@link Hart#execOne}): its registers go through the array around the call.
     * The call returns -1 to continue here, else the unit leaves with pc where the interpreter left it, having
     * retired the instruction (1) or not (0, a trap was taken).
     */
    private void emitHelper(Insn in, int remaining) {
        int regs = helperRegisters(in) & ~1;
        countProfile(TranslationProfile.helperKind(in.bits));
        storeRegisters(regs);
        mv.visitVarInsn(ALOAD, L_HART);
        pagePlus(in.off);
        pushInt(in.len);
        loadN();
        pushInt(remaining);
        mv.visitInsn(ISUB);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, "execOne", "(JII)I", false);
        mv.visitVarInsn(ISTORE, L_RESULT);
        loadRegisters(regs);
        afterHartCall();
        mv.visitVarInsn(ILOAD, L_RESULT);
        Label go = new Label();
        mv.visitJumpInsn(IFLT, go);
        // n = retired before this instruction + (1 if it retired)
        mv.visitVarInsn(ILOAD, L_N);
        pushInt(remaining);
        mv.visitInsn(ISUB);
        mv.visitVarInsn(ILOAD, L_RESULT);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ISTORE, L_N);
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "pc", "J");
        mv.visitVarInsn(LSTORE, L_EXITPC);
        setExitSlot(TranslatedUnit.EXIT_HELPER, in.off);
        mv.visitJumpInsn(GOTO, commonExit);
        target(go);
    }

    // ------------------------------------------------------------------ small emitters

    /** {@code h.exitSlot = } a new chain slot: tells the dispatcher which exit the unit left by. */
    private void setExitSlot(int kind, int off) {
        putExitSlot(newExitSlot(kind, off));
    }

    /** A new chain slot for an exit of {@code kind} (TranslatedUnit.EXIT_*) at page offset {@code off}: its number. */
    private int newExitSlot(int kind, int off) {
        if (exitSlots == exitKinds.length) {
            exitKinds = java.util.Arrays.copyOf(exitKinds, 2 * exitSlots);
            exitOffsets = java.util.Arrays.copyOf(exitOffsets, 2 * exitSlots);
            exitCalls = java.util.Arrays.copyOf(exitCalls, 2 * exitSlots);
        }
        exitCalls[exitSlots] = false;
        exitKinds[exitSlots] = (byte) kind;
        exitOffsets[exitSlots] = off;
        return exitSlots++;
    }

    /** {@code h.exitSlot = slot}. */
    private void putExitSlot(int slot) {
        mv.visitVarInsn(ALOAD, L_HART);
        pushInt(slot);
        mv.visitFieldInsn(PUTFIELD, HART, "exitSlot", "I");
    }

    /** With -Dvmckpt.jit.profile=true only: {@code h.profile.counts[counter]++}. */
    private void countProfile(int counter) {
        if (!Hart.PROFILE_UNITS) return;
        mv.visitVarInsn(ALOAD, L_HART);
        mv.visitFieldInsn(GETFIELD, HART, "profile", "L" + PROFILE + ";");
        mv.visitFieldInsn(GETFIELD, PROFILE, "counts", "[J");
        pushInt(counter);
        mv.visitInsn(DUP2);
        mv.visitInsn(LALOAD);
        mv.visitInsn(LCONST_1);
        mv.visitInsn(LADD);
        mv.visitInsn(LASTORE);
    }

    private void loadReg(int r) {
        if (r == 0) {
            mv.visitInsn(LCONST_0);
        } else {
            mv.visitVarInsn(LLOAD, slot(r));
        }
    }

    /** Stores the long on the stack into register {@code r}'s local. */
    private void storeReg(int r) {
        mv.visitVarInsn(LSTORE, slot(r));
    }

    /** Pushes page base + {@code off} (a pc-relative value). */
    private void pagePlus(long off) {
        mv.visitVarInsn(LLOAD, L_VBASE);
        pushLong(off);
        mv.visitInsn(LADD);
    }

    private void pushLong(long v) {
        if (v == 0) mv.visitInsn(LCONST_0);
        else if (v == 1) mv.visitInsn(LCONST_1);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
            pushInt((int) v);
            mv.visitInsn(I2L);
        } else mv.visitLdcInsn(v);
    }

    private void pushInt(int v) {
        if (v >= -1 && v <= 5) mv.visitInsn(ICONST_0 + v);
        else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) mv.visitIntInsn(BIPUSH, v);
        else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) mv.visitIntInsn(SIPUSH, v);
        else mv.visitLdcInsn(v);
    }

    // ------------------------------------------------------------------ class definition

    private static TranslatedUnit define(byte[] classBytes) {
        try {
            Class<?> c = LOOKUP.defineHiddenClass(classBytes, true).lookupClass();
            // No constructor to run (the unit's fields are set by the caller): allocating directly avoids building
            // a method handle per class, which costs more than the rest of the translation.
            return (TranslatedUnit) Hart.UNSAFE.allocateInstance(c);
        } catch (Throwable e) {
            throw new IllegalStateException("the translator produced a class the JVM refused: " + e, e);
        }
    }
}
