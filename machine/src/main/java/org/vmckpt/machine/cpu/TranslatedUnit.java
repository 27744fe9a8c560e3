package org.vmckpt.machine.cpu;

/**
 * A piece of guest code translated to JVM bytecode by {@link Translator}: a region of one guest page, entered
 * at one guest physical address, with its branches inside the page as JVM control flow. Each unit is a hidden
 * class of its own; the {@link CodeCache} holds the only reference, so a dropped unit can be unloaded.
 *
 * <p>{@link #run} executes from {@code h.pc} (which must be the unit's entry) and retires at most
 * {@code budget} instructions. It returns the number retired, leaves {@code h.pc} at the next instruction and
 * every guest register in {@code h.x}. It never advances {@code h.instret}: the caller adds the result. With a
 * negative budget it returns 0 at once and touches nothing (the warm-up calls, {@link BackgroundTranslator#warm}).
 */
public abstract class TranslatedUnit {
    /** Guest physical address of the entry: {@code pageIndex << 12 | offset} relative to RAM base. */
    long key;
    /** The RAM page the unit's code lies in (its entry). */
    int pageIndex;
    /**
     * The RAM page of the next virtual page, if the unit's region goes on into it (else -1): a write to either page
     * drops the unit, and the unit enters it only where the fetch TLB maps it there.
     */
    int nextPageIndex = -1;
    /**
     * The least budget the unit can be started with: the instructions of its longest run from the entry back to it or
     * out (Translator#entryReach), or to the next block that checks the budget (Translator#checkNeeds) (so the name says
     * less than it holds).
     */
    int entryBlockLength;
    /** Guest instructions translated into this unit. */
    int instructionCount;
    /** Bytes of JVM bytecode of its method. */
    int bytecodeSize;
    /** Access groups in the unit's blocks, each checked once for all its loads or stores (Translator#accessGroups; for tests). */
    int accessGroups;
    /** Its bytecode plus what C2 would inline into it by Translator's count, with the unchecked reads (for the hot log). */
    int inlineTotal;
    /**
     * HotSpot has compiled this unit's bytecode. Until then the JVM would interpret it (slower than our own
     * interpreter), so the dispatcher keeps using the interpreter and only probes the unit (see CodeCache#ready).
     */
    boolean compiled;
    /**
     * Chain slots, one per exit of the unit (see {@link Hart#exitSlot}): the unit that ran after this one left by
     * that exit, so that the dispatcher can run it again without looking it up. A slot is a cache, trusted only
     * after the dispatcher checked that the unit is not {@link #dead}, that the fetch TLB maps the pc to the
     * unit's key under the current context, and that its entry block fits the budget. Twice as long as the exits: slot
     * {@code k + exitKinds.length} is exit k's second way, the unit that ran after it before the one in slot k, kept for
     * {@code jalr} exits only (CodeCache#jalrSecondWay) and trusted after the same checks.
     */
    TranslatedUnit[] chain;
    /** What each chain slot's exit is: one of the EXIT_ kinds (the dispatcher's heat rule, and the profile). */
    byte[] exitKinds;
    /** Chainable exit kinds: a block that does not fit the budget, a jump out of the region within its page or to
     * another page, a jalr, an instruction the interpreter ran for the unit (execOne) that ended it. */
    static final int EXIT_BUDGET = 0, EXIT_REGION = 1, EXIT_PAGE = 2, EXIT_JALR = 3, EXIT_HELPER = 4;
    /** Dropped from the code cache (its page was written, or the cache was flushed): never to run again. */
    boolean dead;
    /** Dispatcher visits since the last probe. */
    int sinceProbe;
    /**
     * The hot tier (see {@link CodeCache#hot}): guest instructions this unit may still retire before the dispatcher
     * hands it to the cache (to be translated again as a class C2 may compile, or to check whether that build is
     * compiled yet). Counted down by the dispatcher; {@code Long.MAX_VALUE} for a unit that is never promoted.
     */
    long untilHot = Long.MAX_VALUE;
    /** The hart's {@code instret} when this unit's current count towards the hot tier began (the hot log's "hart insns since its count began"). */
    long hotSince;
    /**
     * Two counts in one field, so that the dispatcher adds both with one load and one store ({@link #runCount}): in the low
     * 32 bits the dispatcher's runs of this unit since its count towards the hot tier began (CodeCache#HOT_MIN_RUN), in the
     * high 32 bits the ones of them that retired fewer than {@link #BRIEF_RUN} instructions (the hot log and bench/cpu/hot-brief.py; round 60's brief-run rule, retired in round 84: an
     * average run length cannot tell a unit whose every run is short from one that mostly leaves after a few instructions
     * and now and then loops for a thousand; sha256's return point: 75 per run on average, 15 of every 16 runs 5 long).
     * Read them with {@link #hotRuns()} and {@link #hotBriefRuns()}. Exact while a count has fewer than 2^32 runs: it is
     * read when the count's {@code hotAfter} instructions are retired (20 M by default; every run but one that traps
     * first thing retires one at least) and begun again from 0, and a unit whose count is never read again (hot, kept C1
     * code for good) may wrap it harmlessly.
     */
    long hotRunCounts;
    /** A run shorter than this many instructions is a brief one ({@link #hotRunCounts}). */
    static final int BRIEF_RUN = 16;

    /**
     * What one run that retired {@code retired} instructions adds to {@link #hotRunCounts} (branch-free). {@link Hart#run}
     * writes this expression out rather than call it (C2 did not always inline the call there: DispatcherCallsTest).
     */
    static long runCount(int retired) {
        return 1L | (long) ((retired - BRIEF_RUN) >>> 31) << 32; // (retired >= 0: the sign bit is set for a brief run)
    }

    /** The runs since this unit's count towards the hot tier began. */
    long hotRuns() {
        return hotRunCounts & 0xffff_ffffL;
    }

    /** Of {@link #hotRuns()}, the brief ones (under {@link #BRIEF_RUN} instructions). */
    long hotBriefRuns() {
        return hotRunCounts >>> 32;
    }
    /** This unit is of the hot tier: a class outside the C1-only directive, so that HotSpot's C2 compiles it. */
    boolean hot;
    /** A hot-tier build of this unit is queued or being built. */
    boolean promotionQueued;
    /** The hot-tier build of this unit, waiting for HotSpot to compile it before it takes this unit's place. */
    TranslatedUnit promoted;
    /** Of a hot-tier build: looks that found it without compiled code (CodeCache#buildCompiled). */
    int looks;
    /**
     * Of a C1 unit that {@link #leavesBeforeMiss}: its runs that left before a missing access (the dispatcher counts them,
     * CodeCache#missLeft).
     */
    int missExits;
    /**
     * Of a C1 unit built with Translator#c1MissLeaves: it has an access that leaves the
     * unit before a TLB miss, for the interpreter to run (the dispatcher's deferral). CodeCache#missLeft counts those
     * leaves and may build the unit again with the slow paths' calls.
     */
    boolean leavesBeforeMiss;
    /** Of such a unit: its rebuild with the calls is queued or done (CodeCache#missLeft asks once). */
    boolean missRebuildAsked;
    /** Of such a unit: its rebuild's job while it waits for the translator thread (its leaves meanwhile order the queue). */
    PendingUnit missRebuildJob;
    /** Of such a unit: its rebuild was decided but the translator's queue was full (asked again at its next leave). */
    boolean missRebuildRetry;
    /** Of such a unit: {@link #untilHot} and {@link #missExits} at CodeCache#missLeft's last look at it (or its first leave). */
    long missMark;
    int missMarkLeaves;
    /** Of a hot-tier unit: the tier of its compiled code when it took its C1 unit's place for good (-1: not known). */
    int installedTier = -1;
    /** Profiling (-Dvmckpt.jit.profile=true): time in the unit, calls, instructions retired. */
    long profNanos, profRuns, profInsns;
    /** Profiling: runs that left by each chain slot's exit, that exit's page offset, the page, the region's span. */
    long[] profExitCounts;
    int[] profExitOffsets;
    /** Profiling: the chain slots whose exit is a call (a jal that links). */
    boolean[] profExitCalls;
    byte[] profCode;
    int profFirst, profLast;
    /** Profile only: guest registers the unit loads from the hart at each entry and stores back at each exit. */
    int profRegsLoaded, profRegsStored;
    /**
     * Profile only, a unit built on the translator thread: the guest instructions interpreted at its entry while its job
     * waited in the queue (until the translator thread took it) and in all until it was installed (CodeCache's "jobs by
     * what the guest did while they waited").
     */
    long profInterpAtTake = -1, profInterpPending, profHeatSpan;

    protected TranslatedUnit() { }

    public abstract int run(Hart h, int budget);

    /** Stands for "no translation starts here" (an instruction the translator leaves to the interpreter). */
    static final TranslatedUnit UNTRANSLATABLE = new TranslatedUnit() {
        {
            entryBlockLength = Integer.MAX_VALUE;
            compiled = true;
        }

        @Override
        public int run(Hart h, int budget) {
            throw new IllegalStateException("no translation");
        }
    };
}
