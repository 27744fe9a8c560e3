package org.vmckpt.machine.cpu;

import org.vmckpt.machine.memory.GuestMemory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The hart's translations, keyed by guest physical address (RAM page index and offset), with the bookkeeping
 * that keeps them true to guest memory.
 *
 * <ul>
 * <li><b>Lookup</b>: an open-addressing table from key to unit; the dispatcher finds the physical address of
 *     the pc through the hart's fetch TLB, so a unit runs only where the current translation context maps it
 *     executable.</li>
 * <li><b>Heat</b>: an entry point is translated once it has gathered {@link #HOT_THRESHOLD} of heat, from the
 *     dispatcher's visits and the instructions interpreted from it ({@link #INSTRUCTION_HEAT}); colder code stays in
 *     the interpreter, which runs it faster than the JVM runs fresh bytecode.</li>
 * <li><b>Where translation runs</b>: with a {@link BackgroundTranslator} (the default outside deterministic mode)
 *     a hot entry becomes a {@link PendingUnit} in the table and a job for the translator thread, and the guest's
 *     thread interprets on; the built unit is installed at a later lookup miss on the guest's thread, only if
 *     the pending unit is still in its slot (no write to its page, no flush since). Without one (deterministic
 *     mode, most unit tests) the guest's thread translates at once, so a unit exists at the same instruction
 *     count in every run.</li>
 * <li><b>Invalidation</b>: a page that holds translations is marked in {@link GuestMemory} as a code page and
 *     has no write mapping in the TLB, so any write to it (the guest's, a device's, a restore's) reaches
 *     {@link GuestMemory}'s write path, which calls {@link #invalidatePage}.</li>
 * <li><b>Bound</b>: at most {@link #MAX_UNITS} units and {@link #MAX_INSTRUCTIONS} translated guest
 *     instructions; past either, everything is dropped and translation starts over (QEMU flushes its
 *     translation cache the same way). Dropped units become unreachable and their hidden classes unload.</li>
 * </ul>
 * Translations are a cache: never part of a checkpoint, rebuilt after any restore.
 */
public final class CodeCache {
    /**
     * Heat an entry point must gather before it is translated: {@link Interpreter#HEAT_SAMPLE} per visit that stands
     * for that many (see {@link #lookup}), so about one per time the code runs. A unit costs its translation on the
     * guest's thread and its compilation by C1 on the other core, which a 2-core machine shares with everything else,
     * so only code that will run for long repays it. Measured on the CPU benchmark's default guest (bench/cpu.sh
     * phases boot / modules / compute / fork, seconds): 4,000 with 200-instruction units 8.3 / 1.0 / 13.5 / 11.2;
     * 20,000: 7.6 / 0.65 / 11.4 / 7.5; 100,000 with 64-instruction units 4.3 / 0.33 / 10.5 / 4.5; the interpreter
     * 5.8 / 0.37 / 48.6 / 4.7. Once the interpreter handed the dispatcher only a sample of its jumps, 30,000 beat
     * 100,000 on the signed-modules guest (modules 3.2-3.6 s against 5.5 s, the other phases equal or better).
     */
    static final int HOT_THRESHOLD = Integer.getInteger("vmckpt.jit.threshold", 30_000);
    /**
     * The heat threshold of a fresh kernel boot, until the hart first runs in user mode (the kernel's /init; see
     * {@link #startBoot}); 0: {@link #HOT_THRESHOLD} throughout ({@code -Dvmckpt.jit.bootThreshold=N}). A boot runs
     * hundreds of kernel init functions a few tens of thousands of times each and then never again, and their units'
     * C1 compiles are most of C1's work before /init (tier 1, units and the translator's code, 971 KB of bytecode of
     * which the units' ~950 KiB, was 1.9 of C1's 2.8 s in a signed boot to /init; docs/BENCHMARKS.md round 46), on the core the guest's thread shares with C2, the translator thread and the
     * collector. A higher threshold there translates only the boot's longer-running code. Not part of any checkpoint
     * (a cache policy): a restored or migrated machine, which is not booted here, uses the normal threshold.
     */
    static final int BOOT_THRESHOLD = Integer.getInteger("vmckpt.jit.bootThreshold", 0);
    /**
     * Whether the hot tier decides during a fresh kernel boot (until the hart first runs in user mode, as
     * {@link #BOOT_THRESHOLD}); {@code -Dvmckpt.jit.bootHot=false}: no hot-tier decision before then (a unit whose count
     * runs out counts again). The boot's hot-tier builds are mostly of code that runs once: in a signed boot to /init
     * the five of jitterentropy's SHA-3 rounds were decided, built and compiled at tier 3 after the rounds had ended,
     * and the gzip inflate's hot unit ran its tier-3 code for ~0.2 s (docs/BENCHMARKS.md round 46). True by default.
     */
    static final boolean BOOT_HOT = !"false".equals(System.getProperty("vmckpt.jit.bootHot"));
    /**
     * Heat from the length of interpreted blocks: besides what a visit gathers, the instructions the interpreter then runs
     * from the entry it found no unit at (to the next jump it hands over, the next entry, or the budget's end) add one
     * per {@code INSTRUCTION_HEAT} of them ({@code -Dvmckpt.jit.instructionHeat=N}, 0: off). A visit stands for one run
     * of the code, whatever its length, so a loop of 330 straight-line instructions (SHA-256's rounds in the signed
     * guest's module loading) needed as many iterations as a loop of 5 to get hot: 30,000, ~10 M instructions
     * interpreted before its head was translated. With this a sampled visit of it adds ~16 + 16 * 330 / 16 instead of
     * 16, and a visit of a short loop little more than before. (Round 17 tried heat from instructions alone, without
     * visits, at 100,000-300,000, and it did not pay; round 19 (jit11mod): docs/BENCHMARKS.md.)
     */
    static final int INSTRUCTION_HEAT = Integer.getInteger("vmckpt.jit.instructionHeat", 16);
    /**
     * Guest instructions a unit retires before it is translated again for the hot tier ({@link #hot}): a class that
     * HotSpot's C2 compiles, where every other unit stays C1 code (UnitCompilerDirectives). C2 takes tens to hundreds
     * of milliseconds of the other core per unit, so only the few units that run most of a workload repay it.
     * {@code -Dvmckpt.jit.hotAfter=N}; 0 turns the hot tier off.
     */
    static final long HOT_AFTER = Long.getLong("vmckpt.jit.hotAfter", 20_000_000L);
    /**
     * The hot tier's run-length rule ({@code -Dvmckpt.jit.hotMinRun=N}; 0, the default: off): a unit whose count ran out
     * is translated again only if it retired at least N instructions per run on average since its count began; else it
     * stays C1 code for good. A C2 unit entered millions of times for a few instructions each costs its entry and exit
     * each time and a C2 compile: of sha256's five units in the hot tier three run short (the byte-swap loop's
     * 3-instruction unit, the swap helper's 13, the return point's 75 per run, 8 M runs each per sha256sum). At 100 the
     * quiet compute phase was lower in 3 of 3 (round 32). Round 33 (jit19fork) counted what it does to the fork phase: no
     * hot unit runs there with or without it (perf: 1-3 of 13,000-23,000 of the phase's run-thread samples in hot units,
     * the same shares of interpreter, C1 units and dispatcher in both), and it keeps out only the 1-2 units main decides
     * there (never installed before the phase ends); yet bench/cpu.sh's signed fork phase was slower with it in 3 of 4
     * more loaded pairs, and at load 6-16 neither the compute gain on the default guest nor an unhurt fork phase could be
     * shown: off until a quiet series does (docs/BENCHMARKS.md round 33).
     */
    static final long HOT_MIN_RUN = Long.getLong("vmckpt.jit.hotMinRun", 0);
    /** Instructions between two looks at a unit whose hot-tier build is queued or not compiled yet. */
    static final long HOT_RECHECK = 200_000;
    /**
     * C1 units that leave before a missing access (Translator#c1MissLeaves; round 68): every
     * {@code -Dvmckpt.jit.c1MissRebuild=N} leaves of such a unit the cache looks at it ({@link #missLeft}), and one that
     * retired fewer than {@link #c1MissInsns} guest instructions per leave since its last look (or its first leave) is
     * built again with the slow paths' calls (Translator#c1Calls), as without the switch; that build takes its place.
     * 128 by default since round 68 (with Translator#c1MissLeaves on); 0: no look. Why: such a unit retires only what comes before the access each time it misses; then the
     * interpreter runs the access and the rest of its block, and the dispatcher looks a unit up again (an exit, the
     * registers stored and loaded, an interpreted stretch, a lookup). In the default guest's fork phase (round 68's
     * count) 300,000 such leaves came from some 200 kernel units, the most frequent leaving every 100-300 instructions
     * (the kernel's first touches of fresh pages: a 4 KiB TLB entry per page); most C1 units leave rarely and keep the
     * leaves' cheaper C1 compile. Instructions, not runs: a unit that loops inside itself runs thousands of iterations
     * in one run.
     */
    static final int C1_MISS_REBUILD = Integer.getInteger("vmckpt.jit.c1MissRebuild", 128);
    /** See {@link #C1_MISS_REBUILD}; tests change it. */
    static volatile int c1MissRebuild = C1_MISS_REBUILD;
    /** See {@link #C1_MISS_REBUILD} ({@code -Dvmckpt.jit.c1MissInsns=I}, default 1,000). */
    static final long C1_MISS_INSNS = Long.getLong("vmckpt.jit.c1MissInsns", 1_000);
    /** See {@link #C1_MISS_INSNS}; tests change it. */
    static volatile long c1MissInsns = C1_MISS_INSNS;
    /**
     * {@code -Dvmckpt.jit.c1MissLog=true} (a diagnostic, off): a line on the JVM's error output each time a C1 unit's
     * leaves before a miss reach a power of two from 64 on, and every 4,096 leaves in all, with the hart's instruction
     * count (so that a stamped log gives them by phase), and with the profile the unit's runs and instructions.
     */
    static final boolean C1_MISS_LOG = Boolean.getBoolean("vmckpt.jit.c1MissLog");
    /** C1 units' leaves before a missing access; rebuilds asked for (queued or built), installed, dropped. */
    long c1MissLeft, c1MissRebuilds, c1MissRebuildsInstalled, c1MissRebuildsDropped;
    /** C1 rebuilds with the calls installed, by every cache of the JVM (for tests). */
    static final java.util.concurrent.atomic.AtomicLong c1MissRebuildsAll = new java.util.concurrent.atomic.AtomicLong();
    public static final int MAX_UNITS = 32_768;
    public static final int MAX_INSTRUCTIONS = 2_000_000;

    private static final int HEAT_SIZE = 1 << 14;

    private final GuestMemory ram;
    /** The bound in force ({@link #MAX_UNITS}, {@link #MAX_INSTRUCTIONS}; tests lower it). */
    int maxUnits = MAX_UNITS, maxInstructions = MAX_INSTRUCTIONS;
    /** See {@link #HOT_THRESHOLD} and {@link Hart#setTranslationThreshold}. */
    int hotThreshold = HOT_THRESHOLD;
    /** True from {@link #startBoot} until the hart first runs in user mode ({@link #endBoot}): {@link #BOOT_THRESHOLD}. */
    boolean booting;
    /** False while {@link #booting} with {@link #BOOT_HOT} off: no hot-tier decision. */
    boolean hotInBoot = true;
    /** The threshold {@link #endBoot} puts back. */
    private int thresholdAfterBoot;
    /** See {@link #HOT_AFTER} and {@link Hart#setPromotionThreshold}; {@code Long.MAX_VALUE}: no hot tier. */
    long hotAfter = HOT_AFTER > 0 ? HOT_AFTER : Long.MAX_VALUE;
    /** See {@link #HOT_RECHECK}; tests that compare the hot tier lower it, so that more units reach it. */
    long hotRecheck = HOT_RECHECK;
    /** See {@link #HOT_MIN_RUN}; 0: no run-length rule. */
    long hotMinRun = HOT_MIN_RUN;
    /** See {@link #HOT_LOOK} (tests set it per cache). */
    int hotLook = HOT_LOOK;
    /**
     * Loops and straight lines of at most this many instructions are units of their own (Translator.MAX_LOOP_INSTRUCTIONS,
     * MAX_STRAIGHT_INSTRUCTIONS); tests of chains of units set them to 0.
     */
    int maxLoopInstructions = Translator.MAX_LOOP_INSTRUCTIONS, maxStraightInstructions = Translator.MAX_STRAIGHT_INSTRUCTIONS;
    /** Branches a straight line may hold (Translator.LOCAL_BRANCH_BYTES); 0: none (tests compare with the old rule). */
    int localBranchBytes = Translator.LOCAL_BRANCH_BYTES;
    /** See {@link Translator#WORD_LOGIC} (tests set it per cache). */
    boolean wordLogic = Translator.WORD_LOGIC;
    /**
     * A {@code jalr} exit's chain slot has a second way ({@code -Dvmckpt.jit.jalrSecondWay=true}; off by default, round 62):
     * the target taken before the last one, tried by the dispatcher when the last one is not at the pc, before the cache's
     * lookup ({@link Hart#run}, {@link TranslatedUnit#chain}). A function's return to two callers in turn, one slot
     * missed every time (in the compute phase's gzip part 4.35 M of 14.9 M {@code jalr} exits were looked up). Tests
     * set it per cache.
     */
    static final boolean JALR_SECOND_WAY = Boolean.getBoolean("vmckpt.jit.jalrSecondWay");
    boolean jalrSecondWay = JALR_SECOND_WAY;
    /** For tests: install a hot-tier unit without waiting for HotSpot to compile it (its effects are the same). */
    boolean promoteUncompiled;
    /**
     * For tests: a C1 unit runs as soon as it is built, without the timed probe of {@link #ready} (HotSpot runs it
     * interpreted until it compiles it; its effects are the same). A test that counts unit runs or promotions is then
     * not at the mercy of the compile queue on a loaded machine (LoopExitsTest failed so in round 70's CI).
     */
    boolean runUncompiled;
    private final Translator translator = new Translator();
    /** Builds units off the guest's thread, or null to translate synchronously on it. */
    BackgroundTranslator background;
    /** Jobs the translator thread finished, to install (or drop) on the guest's thread. */
    private final java.util.concurrent.ConcurrentLinkedQueue<PendingUnit> completed = new java.util.concurrent.ConcurrentLinkedQueue<>();

    // Open-addressing table (linear probing): keys[i] == -1 means empty; units[i] == null means invalidated.
    private long[] keys;
    private TranslatedUnit[] units;
    private int used;
    private final int[] heat = new int[HEAT_SIZE];
    /** The heat slot of the entry the dispatcher last looked up and left to the interpreter for lack of heat, or -1. */
    private int heatSlot = -1;
    /**
     * The pending unit the last lookup found at the pc (its job queued or being built), or null: the instructions the
     * interpreter runs from there are added to its {@link PendingUnit#interpreted} ({@link #interpreted}).
     */
    private PendingUnit pendingVisited;
    /** See {@link #INSTRUCTION_HEAT}. */
    int instructionHeat = INSTRUCTION_HEAT;
    /** Keys of the translations in each code page, for invalidation. */
    private final HashMap<Integer, List<Long>> keysByPage = new HashMap<>();
    /**
     * Per RAM page, the offsets (one bit per 2-byte slot) that have an entry in the table (a unit, a pending unit,
     * or UNTRANSLATABLE), or null for a page without one: block mode's interpreter hands the dispatcher a jump into
     * a code page only where a unit may start, not at every jump there. Offset {@code off} is bit {@code off >>> 1} of
     * word {@code off >>> 7}; {@link Interpreter#endsBlock} reads it (in the loop C2 compiles, not through a call here).
     */
    final long[][] entries;

    private int liveUnits;
    private long liveInstructions;

    /** Units in the table now (for {@link JitCounts}, from its thread: a late value at worst). */
    int liveUnitCount() {
        return liveUnits;
    }

    /** Guest instructions the live units hold (for {@link JitCounts}). */
    long liveInstructionCount() {
        return liveInstructions;
    }

    // Statistics.
    long unitsTranslated;
    long invalidations;
    long flushes;
    long translatedInstructionsRun;
    long bytecodeBytes;
    long unitRuns;
    long translationNanos;
    long deferrals;
    long chainedRuns;
    long backgroundNanos;
    long staleDropped;
    long queueFull;
    long crossPageUnits;
    long promotions;
    long promotionsDropped;
    /** Hot-tier builds handed over (built, not dropped): each waits in its unit until installed or the unit dies. */
    long hotBuilds;
    /** Hot-tier builds the hybrid look queued for tier 3 through the API (no code after HOT_LOOKS_BEFORE_REQUEST looks). */
    long hotRequested;
    /** Units the run-length rule ({@link #hotMinRun}) kept out of the hot tier (for tests and the hot log). */
    long hotShortRuns;
    long compileRefused;
    /** Batches the dispatcher ended before a unit that did not fit their rest (Hart#setBatchMayEndBeforeUnit). */
    long batchesEndedBeforeUnit;

    CodeCache(GuestMemory ram) {
        // (HotSpot's policy for units is installed by whichever thread builds the first unit: the translator
        // thread, or this cache's miss() when it translates synchronously; not here, on the guest's way to its
        // first instruction, where it cost ~0.1 s of the JVM's management start-up.)
        this.ram = ram;
        this.entries = new long[ram.pageCount()][];
        allocate(1 << 14);
    }

    /**
     * A fresh kernel boot starts: until {@link #endBoot}, heat threshold {@code heat} (if above 0), if {@code hot}
     * is false, no hot-tier decision; nothing if neither applies.
     */
    void startBoot(int heat, boolean hot) {
        if (booting || (heat <= 0 && hot)) return;
        booting = true;
        hotInBoot = hot;
        thresholdAfterBoot = hotThreshold;
        if (heat > 0) hotThreshold = heat;
    }

    /** The hart ran in user mode for the first time since {@link #startBoot}: the normal threshold from now on. */
    void endBoot() {
        if (!booting) return;
        booting = false;
        hotInBoot = true;
        hotThreshold = thresholdAfterBoot;
    }

    /** The unit's count towards the hot tier starts again from here. */
    private void countAgain(TranslatedUnit u, Hart h) {
        restartHotCount(u, h);
        u.untilHot = hotAfter;
    }

    /**
     * What the hot tier's rules judge a unit by ({@link #hot}: the share, the run length, the brief runs) is counted from
     * here: its count's start, its runs and its brief runs. (Not {@code untilHot}: the probe's restart leaves it.)
     */
    private static void restartHotCount(TranslatedUnit u, Hart h) {
        u.hotSince = h.instret;
        u.hotRunCounts = 0; // its runs and brief runs (one field, TranslatedUnit#runCount)
    }

    private void allocate(int capacity) {
        keys = new long[capacity];
        java.util.Arrays.fill(keys, -1L);
        units = new TranslatedUnit[capacity];
        used = 0;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 40);
    }

    /**
     * The unit to run at {@code pc}, or null to interpret: not mapped executable in the fetch TLB yet, not hot
     * yet, or not translatable ({@link TranslatedUnit#UNTRANSLATABLE}).
     * {@code sample}: this visit stands for {@link Interpreter#HEAT_SAMPLE} of them, so it gathers that much heat even
     * in a page holding translations: block mode handed over one jump in that many (Interpreter.endsBlock), or a unit
     * just left for {@code pc} (a jump out of its region, a return, a call), and the code there runs as often as that
     * unit. Other visits (the start of a batch, the block a budget cut) gather one there.
     */
    TranslatedUnit lookup(Hart h, long pc, boolean sample) {
        heatSlot = -1;
        pendingVisited = null;
        long vpn = pc >>> 12;
        int ti = (int) vpn & Hart.TLB_MASK;
        if (h.mmu.xTag[ti] != (vpn | h.mmu.fetchCtx)) return null; // (the fetch TLB misses: interpret)
        int pageIndex = h.mmu.xPhys[ti];
        long key = ((long) pageIndex << 12) | (pc & 0xfff);
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            long k = keys[i];
            if (k == key) {
                TranslatedUnit u = units[i];
                return u != null && !(u instanceof PendingUnit) ? u : miss(key, i, pageIndex, h, pc, sample);
            }
            if (k == -1L) return miss(key, -1, pageIndex, h, pc, sample);
        }
    }

    private TranslatedUnit miss(long key, int slot, int pageIndex, Hart h, long pc, boolean sample) {
        if (!completed.isEmpty()) {
            installCompleted(h); // (fills slots that exist: the table's layout and this slot stay as they are)
            if (slot >= 0 && units[slot] != null && !(units[slot] instanceof PendingUnit)) return units[slot];
        }
        if (slot >= 0 && units[slot] instanceof PendingUnit p) {
            pendingVisited = p; // being built: no more heat meanwhile, but what is interpreted here orders the jobs
            return null;
        }
        int hi = hash(key) & (HEAT_SIZE - 1);
        // The interpreter hands over only a sample of the jumps to where no entry exists (Interpreter.endsBlock); outside
        // pages holding translations, every visit counts as a sample (as it always did).
        if (Hart.PROFILE_UNITS && heat[hi] == 0) profHeatSince[hi] = h.instret;
        heat[hi] += sample || !ram.isCodePage(pageIndex) ? Interpreter.HEAT_SAMPLE : 1;
        if (heat[hi] < hotThreshold) {
            heatSlot = hi;
            return null;
        }
        heat[hi] = 0;
        if (Hart.PROFILE_UNITS) {
            profBeforeHot += profHeatInsns[hi];
            profHeatInsns[hi] = 0;
            profGotHot++;
            profLastHeatSpan = h.instret - profHeatSince[hi];
        }
        // (Invalidated keys do not pile up: growing the table re-inserts live units only.)
        if (liveUnits >= maxUnits || liveInstructions >= maxInstructions) {
            flush();
            slot = -1;
        }
        byte[] page = ram.pageForRead(pageIndex);
        int nextIndex = nextPageIndex(h, pc);
        byte[] next = nextIndex >= 0 ? ram.pageForRead(nextIndex) : null;
        if (background != null) return submit(key, slot, pageIndex, page, nextIndex, next, h);
        UnitCompilerDirectives.install();
        long t0 = CpuClock.threadNanos();
        TranslatedUnit u = translateC1Here(page, pageIndex, next, nextIndex, (int) (key & 0xfff));
        translationNanos += CpuClock.threadNanos() - t0;
        if (u == null) {
            u = TranslatedUnit.UNTRANSLATABLE;
        } else {
            u.key = key;
            // HotSpot's own policy, as without the WhiteBox API: a unit built here is not blocked on (the guest's thread
            // would wait for C1), and its compile task is dropped if the unit stops being called before C1 gets to it
            // (HotSpot drops stale tasks, not those asked for through the API), which keeps C1's work down where
            // thousands of short-lived units are built synchronously (the differential tests, deterministic mode).
            BackgroundTranslator.warm(u);
            count(u, h);
            if (u.nextPageIndex >= 0) enterSecondPage(key, u.nextPageIndex, h);
        }
        enter(key, slot, pageIndex, u, h);
        return u;
    }

    /**
     * The interpreter ran {@code ran} instructions from where the dispatcher last looked up and found no hot entry: they
     * add heat there ({@link #INSTRUCTION_HEAT}; saturating: the entry is translated at its next visit). Where it found the
     * entry's unit pending they are added to the job instead, which orders the translator thread's queue
     * ({@link BackgroundTranslator#next}).
     */
    void interpreted(int ran) {
        PendingUnit p = pendingVisited;
        if (p != null) {
            pendingVisited = null;
            if (Hart.PROFILE_UNITS) profPendingByStage[p.stage] += ran;
            int v = p.interpreted + ran;
            p.interpreted = v < 0 ? Integer.MAX_VALUE : v;
            return;
        }
        int hi = heatSlot;
        if (Hart.PROFILE_UNITS && hi >= 0) profHeatInsns[hi] += ran;
        if (hi < 0 || instructionHeat <= 0) return;
        heatSlot = -1;
        int v = heat[hi] + ran / instructionHeat;
        heat[hi] = v < 0 ? Integer.MAX_VALUE : v;
    }

    /**
     * The RAM page the fetch TLB maps the virtual page after {@code pc}'s to under the current context, or -1: a
     * region may go on into it (the unit checks the same mapping again whenever it enters that page).
     */
    private static int nextPageIndex(Hart h, long pc) {
        long vpn = (pc >>> 12) + 1;
        int ti = (int) vpn & Hart.TLB_MASK;
        return h.mmu.xTag[ti] == (vpn | h.mmu.fetchCtx) ? h.mmu.xPhys[ti] : -1;
    }

    /** A unit keyed {@code key} holds code of page {@code pageIndex} too: a write to that page drops it as well. */
    private void enterSecondPage(long key, int pageIndex, Hart h) {
        markCode(pageIndex, h);
        keysByPage.computeIfAbsent(pageIndex, p -> new ArrayList<>()).add(key);
    }

    /** Puts {@code u} (a unit, UNTRANSLATABLE, or a pending unit) in the table under {@code key}, its page a code page. */
    private void enter(long key, int slot, int pageIndex, TranslatedUnit u, Hart h) {
        markCode(pageIndex, h);
        keysByPage.computeIfAbsent(pageIndex, p -> new ArrayList<>()).add(key);
        long[] e = entries[pageIndex];
        if (e == null) entries[pageIndex] = e = new long[4096 / 2 / 64];
        int off = (int) (key & 0xfff);
        e[off >>> 7] |= 1L << (off >>> 1);
        put(key, slot, u);
    }


    /** Profile only: 0 if the fetch TLB does not map {@code pc}, 1 if no entry there, 2 if one is being built, 3 a unit. */
    int entryStateAt(Hart h, long pc) {
        long vpn = pc >>> 12;
        int ti = (int) vpn & Hart.TLB_MASK;
        if (h.mmu.xTag[ti] != (vpn | h.mmu.fetchCtx)) return 0;
        TranslatedUnit u = unitAt(((long) h.mmu.xPhys[ti] << 12) | (pc & 0xfff));
        return u == null ? 1 : u instanceof PendingUnit ? 2 : 3;
    }

    /**
     * Profile only: why no unit starts at {@code pc}, where the fetch TLB maps it and the table has no entry
     * (TranslationProfile.R_*): a page without translations, a code page outside every live unit's bytes, inside a
     * live unit's bytes (a pc no unit starts at), or inside the bytes of a unit that an invalidation dropped.
     */
    int noEntryReason(Hart h, long pc) {
        long vpn = pc >>> 12;
        int page = h.mmu.xPhys[(int) vpn & Hart.TLB_MASK];
        int off = (int) pc & 0xfff;
        List<Long> ks = keysByPage.get(page);
        if (ks != null) {
            for (long k : ks) {
                TranslatedUnit u = unitAt(k);
                if (u == null || u == TranslatedUnit.UNTRANSLATABLE || u instanceof PendingUnit || (int) (k >>> 12) != page) continue;
                if (off >= u.profFirst && off < u.profLast) return afterCall(page, off) ? TranslationProfile.R_INSIDE_UNIT_AFTER_CALL : TranslationProfile.R_INSIDE_UNIT;
            }
        }
        List<int[]> dropped = profDroppedSpans.get(page);
        if (dropped != null) for (int[] span : dropped) if (off >= span[0] && off < span[1]) return TranslationProfile.R_INVALIDATED;
        return ks != null ? TranslationProfile.R_COLD_IN_CODE_PAGE : TranslationProfile.R_COLD_PAGE;
    }

    /** Profile only: whether the instruction before offset {@code off} of RAM page {@code page} is a call (a return point). */
    private boolean afterCall(int page, int off) {
        byte[] b = ram.pageForRead(page);
        if (off >= 4) {
            int insn = (b[off - 4] & 0xff) | (b[off - 3] & 0xff) << 8 | (b[off - 2] & 0xff) << 16 | (b[off - 1] & 0xff) << 24;
            int op = insn & 0x7f, rd = (insn >>> 7) & 31;
            if ((insn & 3) == 3 && (op == 0x6f || op == 0x67) && (rd == 1 || rd == 5)) return true; // jal / jalr ra
        }
        if (off >= 2) {
            int c = (b[off - 2] & 0xff) | (b[off - 1] & 0xff) << 8;
            if ((c & 0xf07f) == 0x9002 && (c & 0x0f80) != 0) return true; // c.jalr rs1 (writes ra)
        }
        return false;
    }

    /** Profile only: the byte spans (entry page offsets) of the units invalidations dropped, by their entry's RAM page. */
    private final HashMap<Integer, List<int[]>> profDroppedSpans = new HashMap<>();

    /** See {@link #nextEntry}: {@code -Dvmckpt.jit.stopAtEntry=false} lets interpreted blocks run past entries. */
    static final boolean STOP_AT_ENTRY = !"false".equals(System.getProperty("vmckpt.jit.stopAtEntry"));

    /**
     * The virtual address of the next offset of {@code pc}'s page, after {@code pc}, where a unit may start (an entry
     * of the code cache), or -1 (no instruction's address) if there is none or the fetch TLB does not map the page. The
     * dispatcher gives it to the interpreter, which stops when it gets there ({@link Interpreter#interpret}): block mode
     * hands the dispatcher jumps only, so an interpreted block that begins inside straight-line code (a batch that
     * starts where the last one ended, the tail a unit left for lack of budget, code whose unit is not ready yet) would
     * otherwise run through the units ahead of it up to the next taken jump (in SHA-256's unrolled rounds, hundreds of
     * instructions each time). (Until round 17 this bounded the interpreter's budget instead, by counting the
     * instructions up to the entry by their lengths: a loop of up to 128 unpredictable branches per dispatcher trip,
     * ~10% of the boot's run thread.)
     */
    long nextEntry(Hart h, long pc) {
        if (!STOP_AT_ENTRY) return -1;
        long vpn = pc >>> 12;
        int ti = (int) vpn & Hart.TLB_MASK;
        if (h.mmu.xTag[ti] != (vpn | h.mmu.fetchCtx)) return -1;
        long[] e = entries[h.mmu.xPhys[ti]];
        if (e == null) return -1;
        int bit = (((int) pc & 0xfff) >>> 1) + 1; // the first 2-byte slot after pc
        for (int w = bit >>> 6; w < e.length; w++) {
            long bits = e[w] & (w == bit >>> 6 ? -1L << (bit & 63) : -1L);
            if (bits != 0) return (pc & ~0xfffL) | (w << 7 | Long.numberOfTrailingZeros(bits) << 1);
        }
        return -1;
    }

    /** No unit may start at {@code key} any more. */
    private void forgetEntry(long key) {
        long[] e = entries[(int) (key >>> 12)];
        int off = (int) (key & 0xfff);
        if (e != null) e[off >>> 7] &= ~(1L << (off >>> 1));
    }

    /** A new live unit, for the bound and the statistics. */
    private void count(TranslatedUnit u, Hart h) {
        countAgain(u, h);
        unitsTranslated++;
        liveUnits++;
        liveInstructions += u.instructionCount;
        bytecodeBytes += u.bytecodeSize;
        if (u.nextPageIndex >= 0) crossPageUnits++;
    }

    /** The page now holds code: writes to it must reach GuestMemory's write path (no write mapping cached). */
    private void markCode(int pageIndex, Hart h) {
        if (!ram.isCodePage(pageIndex)) {
            ram.markCodePage(pageIndex);
            h.mmu.dropWriteMappings(pageIndex);
        }
    }

    /**
     * Hands the entry to the translator thread: a copy of the page (taken now, on the guest's thread, after which
     * any write to the page drops the pending unit, since the page is a code page from here on) and a
     * {@link PendingUnit} in the table. The guest interprets until the unit is installed.
     */
    private TranslatedUnit submit(long key, int slot, int pageIndex, byte[] page, int nextIndex, byte[] next, Hart h) {
        PendingUnit p = new PendingUnit(this, key, pageIndex, page.clone(), nextIndex, next == null ? null : next.clone());
        p.queuedAt = h.instret;
        p.heatSpan = profLastHeatSpan;
        if (!background.submit(p)) {
            queueFull++; // the entry heats up again and is offered later
            return null;
        }
        enter(key, slot, pageIndex, p, h);
        return null;
    }

    /** Entries whose unit the translator thread is still building or HotSpot still compiling (for tests). */
    int pendingUnits() {
        int n = 0;
        for (TranslatedUnit u : units) if (u instanceof PendingUnit) n++;
        return n;
    }

    /** True if the translator thread handed back jobs not installed yet (for tests). */
    boolean translationsWaiting() {
        return !completed.isEmpty();
    }

    /** Called on the translator thread when it is done with a job. */
    void completed(PendingUnit p) {
        completed.add(p);
    }

    /**
     * Installs the units the translator thread built, on the guest's thread: each only if its pending unit is still
     * in its slot, that is, if nothing wrote its page and nothing flushed the cache since its bytes were copied.
     */
    private void installCompleted(Hart h) {
        for (PendingUnit p; (p = completed.poll()) != null; ) {
            backgroundNanos += p.cpuNanos;
            if (p.rebuildOf != null) {
                p.rebuildOf.missRebuildJob = null;
                builtC1Rebuild(p.rebuildOf, p.built, h);
                continue;
            }
            if (p.replaces != null) {
                if (Hart.PROFILE_UNITS) profHotJob(p, h);
                builtHot(p.replaces, p.built, h);
                continue;
            }
            int slot = find(p.key);
            if (slot < 0 || units[slot] != p) {
                staleDropped++; // built from bytes that changed since, or skipped as such
                continue;
            }
            TranslatedUnit u = p.built;
            if (Hart.PROFILE_UNITS) {
                long wait = h.instret - p.queuedAt;
                profWaitInsns += wait;
                profWaits++;
                if (wait > profMaxWait) { profMaxWait = wait; profMaxWaitKey = p.key; }
                long now = System.nanoTime();
                profWaitParts[0] += p.takenNanos - p.queuedNanos;
                profWaitParts[1] += p.translatedNanos - p.takenNanos;
                profWaitParts[2] += p.compiledNanos - p.translatedNanos;
                profWaitParts[3] += now - p.compiledNanos;
                profWaitParts[4] += p.queuedBehind;
                if (p.queuedBehind > 0) profWaitParts[5]++;
                profWaitParts[6] += p.overtaken;
            }
            if (p.compileRefused) compileRefused++;
            if (u == null) {
                units[slot] = TranslatedUnit.UNTRANSLATABLE;
                continue;
            }
            if (u.nextPageIndex >= 0) {
                // The second page was not a code page while the unit was built (it is made one only if the region
                // uses it): its bytes must still be those the unit was built from, or the unit is stale.
                if (!java.util.Arrays.equals(p.nextCode, ram.pageForRead(u.nextPageIndex))) {
                    staleDropped++;
                    units[slot] = null; // the entry heats up again
                    forgetEntry(p.key);
                    continue;
                }
                enterSecondPage(p.key, u.nextPageIndex, h);
            }
            u.key = p.key;
            if (Hart.PROFILE_UNITS) {
                u.profInterpAtTake = p.interpretedAtTake;
                u.profInterpPending = p.interpreted;
                u.profHeatSpan = p.heatSpan;
            }
            count(u, h);
            units[slot] = u;
            if (Hart.PROFILE_UNITS) h.profile.installed(h.instret);
        }
    }

    // ------------------------------------------------------------------ the hot tier

    /**
     * The dispatcher calls this when unit {@code u}, about to run at its entry, has retired {@link #hotAfter}
     * instructions (and then every {@link #HOT_RECHECK} until it is settled); returns the unit to run now.
     *
     * <p>Every unit is C1 code (UnitCompilerDirectives): C2 compiles too slowly on two cores for the thousands of units
     * of a boot. The few units that run most of a workload's instructions (a hash's round loop, a big-number
     * multiply, memset) are translated again from the same bytes as a hot-tier unit, a class of another name that
     * HotSpot's default policy takes to C2, on the translator thread (or at once in deterministic mode). The hot unit
     * takes the old one's place in the table only once HotSpot has compiled it ({@link #buildCompiled}, looked at every
     * {@link #hotRecheck} of the old unit's instructions), so until then the C1 unit runs on. A hot unit has the same
     * region, entry, pages, budget checks and exits as any unit, so precise state, exact counts and the interrupt bound are unchanged. Its build is
     * installed only if the unit it replaces is still live: a write to either of its pages or a flush kills that unit
     * ({@link TranslatedUnit#dead}) and so drops the build, queued, built or waiting for its compilation. {@code left}: the
     * budget the dispatcher has left for the unit (it checked {@code u}'s entry block against it; a build whose entry block
     * asks for more waits for a look where it fits).
     */
    TranslatedUnit hot(TranslatedUnit u, Hart h, int left) {
        if (u.hot || u.dead) {
            u.untilHot = Long.MAX_VALUE;
            return u;
        }
        u.untilHot = hotRecheck;
        // (Builds are otherwise handed over at lookup misses, which a hot loop that runs alone may never make.)
        if (!completed.isEmpty()) installCompleted(h);
        if (u.dead) return u;
        TranslatedUnit p = u.promoted;
        if (p == null) {
            if (u.promotionQueued) return u;
            if (!hotInBoot) { // (BOOT_HOT) not during the boot
                countAgain(u, h);
                return u;
            }
            long runLength = hotAfter / Math.max(1, u.hotRuns()); // instructions per run, on average, while it counted
            if (hotMinRun > 0 && runLength < hotMinRun) {
                // Short runs (see HOT_MIN_RUN): it stays C1 code for good.
                u.untilHot = Long.MAX_VALUE;
                hotShortRuns++;
                if (HOT_LOG) hotLog("short runs (" + u.hotRuns() + " runs), not built:", u, null, h);
                return u;
            }
            if (Hart.PROFILE_UNITS) profPromotions.add(new long[] {u.key, h.instret, h.instret - u.hotSince});
            if (HOT_LOG) hotLog("decided (" + u.hotRuns() + " runs, " + u.hotBriefRuns() + " brief, " + (h.instret - u.hotSince) + " hart insns since its count began):",
                    u, null, h);
            promote(u, h);
            return u;
        }
        if (!p.compiled && !promoteUncompiled && !buildCompiled(u, p, h)) return u;
        return install(u, p, h, left);
    }

    /**
     * Build {@code p} takes live unit {@code u}'s place in the table for good. Returns the unit to run now: {@code p}, or {@code u}
     * if its slot is not {@code u}'s or {@code p}'s entry block asks for more than {@code left}, the budget the dispatcher
     * has left for this run (it checked {@code u}'s entry block against it): then {@code u} runs now and the build is
     * installed at a later look where it fits.
     */
    private TranslatedUnit install(TranslatedUnit u, TranslatedUnit p, Hart h, int left) {
        int slot = find(u.key);
        if (slot < 0 || units[slot] != u || p.entryBlockLength > u.entryBlockLength && p.entryBlockLength > left) return u;
        if (HOT_LOG) hotLog("installed", u, p, h);
        units[slot] = p;
        u.dead = true; // chain slots that name it look the hot unit up instead; its class may unload
        u.promoted = null;
        liveInstructions += p.instructionCount - u.instructionCount;
        bytecodeBytes += p.bytecodeSize;
        p.untilHot = Long.MAX_VALUE;
        HotSpotCompiler c = HotSpotCompiler.get();
        p.installedTier = c == null ? -1 : c.compiledTier(p);
        promotions++;
        if (p.nextPageIndex >= 0) hotCrossPageInstallsAll.incrementAndGet();
        return p;
    }

    /** Hot-tier builds installed whose code goes on into a second page, by every cache of the JVM (for tests; rare: no cost). */
    static final java.util.concurrent.atomic.AtomicLong hotCrossPageInstallsAll = new java.util.concurrent.atomic.AtomicLong();

    // ------------------------------------------------------------------ C1 units that leave before a miss

    /**
     * The dispatcher's deferral after a run of C1 unit {@code u} that {@link TranslatedUnit#leavesBeforeMiss} (its leave
     * before a missing access, or a device access or code write, which such a unit meets the same way): counts it, and
     * at the {@link #c1MissRebuild}th asks once for a build of the same bytes with the slow paths' calls
     * (Translator#c1Calls), which takes {@code u}'s place when built ({@link #builtC1Rebuild}). Not on the hot path: only
     * the deferral's branch calls it, after the interpreter ran {@code ran} instructions there. While the rebuild waits
     * for the translator thread those count for its job, as instructions interpreted at a pending entry do
     * ({@link #interpreted}), so that the thread takes it as early as the work it saves.
     */
    void missLeft(TranslatedUnit u, Hart h, int ran) {
        PendingUnit job = u.missRebuildJob;
        if (job != null) {
            int v = job.interpreted + ran;
            job.interpreted = v < 0 ? Integer.MAX_VALUE : v;
        }
        int c = ++u.missExits;
        long all = ++c1MissLeft;
        if (C1_MISS_LOG && (c >= 64 && (c & (c - 1)) == 0 || (all & 0xfff) == 0)) {
            System.err.printf("vmckpt-c1miss key %x insns %d leaves %d all %d at %d%s%n", u.key, u.instructionCount, c, all, h.instret,
                    Hart.PROFILE_UNITS ? String.format(" runs %d retired %d", u.profRuns, u.profInsns) : "");
        }
        int every = c1MissRebuild;
        if (every <= 0 || u.missRebuildAsked) return;
        if (u.missRebuildRetry) { // (the translator's queue was full at its look: asked again at each leave)
            if (!u.dead && !u.hot && u.promoted == null && !u.promotionQueued) missRebuild(u, h);
            return;
        }
        if (c == 1) { // (the dispatcher counts untilHot down by what the unit retires)
            u.missMark = u.untilHot;
            u.missMarkLeaves = 1;
        }
        if (c % every != 0) return;
        // The look: the instructions it retired since the mark (the last look, or its first leave), per leave since.
        // (The hot tier sets untilHot up again at its own looks: then only a new mark.)
        long retired = u.missMark - u.untilHot;
        int leaves = c - u.missMarkLeaves;
        u.missMark = u.untilHot;
        u.missMarkLeaves = c;
        if (retired < 0 || retired / Math.max(1, leaves) >= c1MissInsns || u.dead || u.hot || u.promoted != null || u.promotionQueued) return;
        missRebuild(u, h);
    }

    /** A C1-tier unit built on this thread (no background translator) with this cache's translator settings. */
    private TranslatedUnit translateC1Here(byte[] page, int pageIndex, byte[] next, int nextIndex, int entryOff) {
        translator.wordLogic = wordLogic;
        return translator.translate(page, pageIndex, next, nextIndex, entryOff, false, maxLoopInstructions, maxStraightInstructions, localBranchBytes);
    }

    /** Builds C1 unit {@code u} again from its pages' bytes with the slow paths' calls (see {@link #missLeft}). */
    private void missRebuild(TranslatedUnit u, Hart h) {
        if (C1_MISS_LOG) System.err.printf("vmckpt-c1miss rebuild key %x insns %d leaves %d at %d%n", u.key, u.instructionCount, u.missExits, h.instret);
        byte[] page = ram.pageForRead(u.pageIndex);
        byte[] next = u.nextPageIndex >= 0 ? ram.pageForRead(u.nextPageIndex) : null; // (a code page already, as in promote)
        int entryOff = (int) (u.key & 0xfff);
        if (background == null) {
            long t0 = CpuClock.threadNanos();
            translator.c1Calls = true;
            TranslatedUnit b;
            try {
                b = translateC1Here(page, u.pageIndex, next, u.nextPageIndex, entryOff);
            } finally {
                translator.c1Calls = false;
            }
            if (b != null) BackgroundTranslator.warm(b); // (as miss() does: HotSpot's policy, not blocked on)
            translationNanos += CpuClock.threadNanos() - t0;
            u.missRebuildAsked = true;
            c1MissRebuilds++;
            builtC1Rebuild(u, b, h);
            return;
        }
        PendingUnit job = new PendingUnit(this, u.key, u.pageIndex, page.clone(), u.nextPageIndex, next == null ? null : next.clone());
        job.rebuildOf = u;
        job.queuedAt = h.instret;
        if (background.submit(job)) {
            u.missRebuildJob = job;
            u.missRebuildAsked = true;
            c1MissRebuilds++;
        } else {
            queueFull++;
            u.missRebuildRetry = true; // (asked again at its next leave)
        }
    }

    /**
     * {@code b}, C1 unit {@code u}'s rebuild with the calls, is built (null: it could not be): it takes {@code u}'s place,
     * with {@code u}'s count towards the hot tier, unless {@code u} died, left the table or is being promoted meanwhile
     * (the hot tier's build replaces it then, with its own slow paths). {@code u} dies (chain slots that name it look
     * {@code b} up).
     */
    private void builtC1Rebuild(TranslatedUnit u, TranslatedUnit b, Hart h) {
        int slot = u.dead ? -1 : find(u.key);
        if (b == null || slot < 0 || units[slot] != u || u.promoted != null || u.promotionQueued
                || b.nextPageIndex >= 0 && b.nextPageIndex != u.nextPageIndex) {
            c1MissRebuildsDropped++;
            return;
        }
        b.key = u.key;
        b.untilHot = u.untilHot;
        b.hotSince = u.hotSince;
        b.hotRunCounts = u.hotRunCounts;
        b.missExits = u.missExits; // (for the summary: b never leaves before a miss, so it is not counted on)
        units[slot] = b;
        u.dead = true;
        liveInstructions += b.instructionCount - u.instructionCount;
        bytecodeBytes += b.bytecodeSize;
        c1MissRebuildsInstalled++;
        c1MissRebuildsAll.incrementAndGet();
    }

    /**
     * For --stats: C1 units' leaves before a missing access, the live units by their counts, the most frequent, and
     * the rebuilds (see {@link #missLeft}); null if no unit left so.
     */
    String missLeaveSummary() {
        String crossLine = Translator.crossOnce ? String.format("hot-tier builds with the second page's check once per call (Translator.crossOnce): %,d%n",
                Translator.crossOnceUnits.get()) : "";
        String hotLine = crossLine;
        if (c1MissLeft == 0 && c1MissRebuilds == 0) return hotLine.isEmpty() ? null : hotLine;
        long[] buckets = new long[5]; // 1-15, 16-255, 256-4095, 4096-65535, more
        List<TranslatedUnit> l = new ArrayList<>();
        for (TranslatedUnit u : units) {
            if (u == null || u.hot || u instanceof PendingUnit || u.missExits == 0) continue;
            int c = u.missExits;
            buckets[c < 16 ? 0 : c < 256 ? 1 : c < 4096 ? 2 : c < 65536 ? 3 : 4]++;
            l.add(u);
        }
        StringBuilder sb = new StringBuilder(String.format("C1 units' leaves before a miss: %,d; live units by leaves 1-15 %,d, 16-255 %,d,"
                        + " 256-4095 %,d, 4096-65535 %,d, more %,d; rebuilt with calls (looks every %d leaves, under %d insns a leave): %,d asked, %,d installed, %,d dropped; most:",
                c1MissLeft, buckets[0], buckets[1], buckets[2], buckets[3], buckets[4], c1MissRebuild, c1MissInsns, c1MissRebuilds,
                c1MissRebuildsInstalled, c1MissRebuildsDropped));
        l.sort((a, b) -> Integer.compare(b.missExits, a.missExits));
        for (int i = 0; i < Math.min(8, l.size()); i++) {
            TranslatedUnit u = l.get(i);
            sb.append(String.format(" %x (%d insns%s) %,d", u.key, u.instructionCount, u.leavesBeforeMiss ? "" : ", rebuilt", u.missExits));
        }
        return sb.append('\n').append(hotLine).toString();
    }

    /** Starts the hot-tier build of live unit {@code u} from its pages' bytes (unchanged since it was built: they are code pages). */
    private void promote(TranslatedUnit u, Hart h) {
        byte[] page = ram.pageForRead(u.pageIndex);
        // The second page only if the unit already spans it (it is a code page then, so a write to it kills u).
        byte[] next = u.nextPageIndex >= 0 ? ram.pageForRead(u.nextPageIndex) : null;
        int entryOff = (int) (u.key & 0xfff);
        if (background == null) {
            long t0 = CpuClock.threadNanos();
            translator.wordLogic = wordLogic;
            TranslatedUnit p = translator.translate(page, u.pageIndex, next, u.nextPageIndex, entryOff, true, maxLoopInstructions, maxStraightInstructions, localBranchBytes);
            if (p != null) BackgroundTranslator.warmHot(p);
            translationNanos += CpuClock.threadNanos() - t0;
            builtHot(u, p, h);
            return;
        }
        PendingUnit job = new PendingUnit(this, u.key, u.pageIndex, page.clone(), u.nextPageIndex, next == null ? null : next.clone());
        job.replaces = u;
        job.queuedAt = h.instret;
        if (background.submit(job)) {
            u.promotionQueued = true;
        } else {
            queueFull++; // (asked again after HOT_RECHECK)
        }
    }

    /** A hot-tier build of {@code u} is done: it waits in {@code u} for its compilation, unless u died meanwhile. */
    private void builtHot(TranslatedUnit u, TranslatedUnit p, Hart h) {
        if (u.dead || p == null || p.nextPageIndex != u.nextPageIndex && p.nextPageIndex >= 0) {
            promotionsDropped++;
            u.untilHot = Long.MAX_VALUE; // (dead, or no better build to be had)
            return;
        }
        p.key = u.key;
        u.promoted = p;
        hotBuilds++;
        if (HOT_LOG) hotLog("built", u, p, h);
    }

    /**
     * {@code -Dvmckpt.jit.hotLog=true} (a diagnostic, off by default): one line on the JVM's error output per hot-tier
     * event (a build decided, built, installed), with the unit's key, its class and the build's, so that HotSpot's own
     * logs (-XX:+PrintCompilation) can be read against them (docs/BENCHMARKS.md round 31).
     */
    static final boolean HOT_LOG = Boolean.getBoolean("vmckpt.jit.hotLog");

    private static void hotLog(String what, TranslatedUnit u, TranslatedUnit p, Hart h) {
        HotSpotCompiler c = HotSpotCompiler.get();
        System.err.printf("vmckpt-hot %s key %x at %s M: unit %s (%d insns, %d bytecode)%s%s%n", what, u.key,
                h == null ? "-" : String.format("%.1f", h.instret / 1e6), u.getClass().getName(), u.instructionCount, u.bytecodeSize,
                p == null ? "" : String.format(", build %s (%d insns, %d bytecode, tier %d, %d looks), %d with inlining",
                        p.getClass().getName(), p.instructionCount, p.bytecodeSize, c == null ? -1 : c.compiledTier(p), p.looks, p.inlineTotal),
                (h == null ? "" : "; hart priv " + h.priv) // (round 73: a unit's privilege at its "decided" line)
                + String.format("; jvm %.3f s", (System.nanoTime() - HOT_LOG_ORIGIN) / 1e9)); // (round 81: HotSpot's compile log's clock, near enough)
    }

    /**
     * The hot log's clock (round 81): System.nanoTime() at the JVM's start (its uptime taken once, when the log is on), so
     * that each line's "jvm S s" can be read against -XX:+LogCompilation's stamps (seconds since the JVM started).
     */
    private static final long HOT_LOG_ORIGIN = HOT_LOG
            ? System.nanoTime() - java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000L : 0;

    /**
     * The look at {@code p}, the waiting hot-tier build of live unit {@code u} ({@link #HOT_LOOK}): true if it has
     * compiled code now. A build HotSpot will not queue for tier 3 (C1 refused its method) is dropped, since it would
     * never have code.
     */
    private boolean buildCompiled(TranslatedUnit u, TranslatedUnit p, Hart h) {
        int look = hotLook;
        if (compiledNow(p, h, look)) return true;
        HotSpotCompiler c = HotSpotCompiler.get();
        if (look != LOOK_HYBRID) {
            p.looks++; // (the log's count; the hybrid look counts its own)
            if (HOT_LOG && look == LOOK_TIMED && Integer.bitCount(p.looks) == 1) // (round 74: why a build waits)
                hotLog("look failed (call " + lastTimedNanos + " ns)", u, p, h);
            return false;
        }
        if (c == null || ++p.looks != HOT_LOOKS_BEFORE_REQUEST) return false;
        if (c.requestTier3(p)) {
            hotRequested++;
            return false;
        }
        u.promoted = null;
        u.untilHot = Long.MAX_VALUE;
        promotionsDropped++;
        return false;
    }

    /**
     * True if HotSpot runs unit or build {@code u} compiled now, by the look {@code look} ({@link #HOT_LOOK}); without the
     * WhiteBox API always the timed call. The timed call judged a build that HotSpot had compiled long before as not
     * compiled, run after run: once per 200,000 of the old unit's instructions it meets the build's code and data cold, and
     * a budget-0 call of a 128-instruction build with C2's code took 3-20 us cold against 60-80 ns warm (a test main,
     * round 25), over the 400 ns bound; round 27 counted 67 built, 12-20 promoted, ~48 waiting (HotTierCompileTest
     * reproduces it: a build with C2's code, the caches then filled).
     */
    static boolean compiledNow(TranslatedUnit u, Hart h, int look) {
        HotSpotCompiler c = HotSpotCompiler.get();
        if (c != null && look != LOOK_TIMED) {
            if (c.compiledTier(u) > 0) {
                u.compiled = true;
                return true;
            }
            if (look == LOOK_HYBRID) u.run(h, -1); // (counted by HotSpot; returns at once, touches no hart)
            return false;
        }
        long t0 = System.nanoTime();
        u.run(h, 0);
        long took = System.nanoTime() - t0;
        if (HOT_LOG) lastTimedNanos = took;
        if (took > COMPILED_CALL_NANOS) return false;
        u.compiled = true;
        return true;
    }

    /** The table's entry under {@code key} (RAM page index << 12 | offset), or null (for tests). */
    TranslatedUnit unitAt(long key) {
        int slot = find(key);
        return slot < 0 ? null : units[slot];
    }

    /** The table slot of {@code key}, or -1. */
    private int find(long key) {
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == key) return i;
            if (keys[i] == -1L) return -1;
        }
    }

    private void put(long key, int slot, TranslatedUnit u) {
        if (slot >= 0) {
            units[slot] = u;
            return;
        }
        if ((used + 1) * 2 > keys.length) grow();
        int mask = keys.length - 1;
        for (int i = hash(key) & mask; ; i = (i + 1) & mask) {
            if (keys[i] == key || keys[i] == -1L) {
                if (keys[i] == -1L) used++;
                keys[i] = key;
                units[i] = u;
                return;
            }
        }
    }

    private void grow() {
        long[] oldKeys = keys;
        TranslatedUnit[] oldUnits = units;
        allocate(oldKeys.length * 2);
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != -1L && oldUnits[i] != null) put(oldKeys[i], -1, oldUnits[i]);
        }
    }

    private void clear(long key) {
        int i = find(key);
        if (i < 0) return;
        TranslatedUnit u = units[i];
        if (u instanceof PendingUnit p) {
            p.cancelled = true; // its bytes are stale: the translator thread may skip it
        } else if (u != null && u != TranslatedUnit.UNTRANSLATABLE) {
            liveUnits--;
            liveInstructions -= u.instructionCount;
            u.dead = true; // chain slots that still name it must not run it
        }
        units[i] = null;
        forgetEntry(key); // (a unit over two pages: a write to its second page clears its entry in the first)
    }

    /** Guest memory says page {@code pageIndex} was written: its translations are stale. Returns how many keys it dropped. */
    int invalidatePage(int pageIndex) {
        List<Long> ks = keysByPage.remove(pageIndex);
        if (ks == null) return 0;
        entries[pageIndex] = null;
        invalidations++;
        if (Hart.PROFILE_UNITS) {
            for (long k : ks) {
                TranslatedUnit u = unitAt(k);
                if (u != null && u != TranslatedUnit.UNTRANSLATABLE && !(u instanceof PendingUnit))
                    profDroppedSpans.computeIfAbsent((int) (k >>> 12), p -> new ArrayList<>()).add(new int[] {u.profFirst, u.profLast});
            }
        }
        for (long k : ks) clear(k);
        return ks.size();
    }

    /** Drops every translation (cap reached, or memory replaced wholesale). */
    void flush() {
        for (int p : keysByPage.keySet()) {
            ram.clearCodePage(p);
            entries[p] = null;
        }
        keysByPage.clear();
        for (TranslatedUnit u : units) {
            if (u == null) continue;
            u.dead = true; // (UNTRANSLATABLE is never chained)
            if (u instanceof PendingUnit p) p.cancelled = true;
        }
        allocate(keys.length);
        liveUnits = 0;
        liveInstructions = 0;
        flushes++;
    }

    /** Profile only: the hot tier's decisions to build (key, the hart's instret, instructions since the unit's count began). */
    private final List<long[]> profPromotions = new ArrayList<>();

    /** Hot-tier builds waiting in live units at the end (built, neither installed nor dropped). */
    private long hotWaiting() {
        long n = 0;
        for (TranslatedUnit u : units) if (u != null && u.promoted != null && !u.dead) n++;
        return n;
    }

    /**
     * Of the builds waiting in live units, those HotSpot has compiled code for now (tier 3 or C2), or -1 without the
     * WhiteBox API: builds the look has not installed though they could run compiled (main's timed look judged such
     * builds uncompiled, run after run: docs/BENCHMARKS.md round 37).
     */
    private long hotWaitingCompiled() {
        HotSpotCompiler c = HotSpotCompiler.get();
        if (c == null) return -1;
        long n = 0;
        for (TranslatedUnit u : units) if (u != null && u.promoted != null && !u.dead && c.compiledTier(u.promoted) > 0) n++;
        return n;
    }

    /**
     * Guest instructions the live hot-tier units have retired: the dispatcher counts every unit's {@code untilHot} down
     * by what it retires, and a hot unit's starts at {@code Long.MAX_VALUE} (so this costs the hot path nothing).
     */
    private long hotInstructionsRun() {
        long n = 0;
        for (TranslatedUnit u : units) if (u != null && u.hot && !u.dead) n += Long.MAX_VALUE - u.untilHot;
        return n;
    }

    /** Profile only: every build decision, and where each build and hot unit stands (its HotSpot tier now). */
    private String hotProfile() {
        StringBuilder sb = new StringBuilder(String.format("hot tier: %d builds decided, %d built, %d promoted, %d dropped, %d waiting%n",
                profPromotions.size(), hotBuilds, promotions, promotionsDropped, hotWaiting()));
        HotSpotCompiler c = HotSpotCompiler.get();
        for (long[] d : profPromotions) {
            sb.append(String.format("  hot decision %x at %.0f M, share %.4f", d[0], d[1] / 1e6, hotAfter / (double) Math.max(1, d[2])));
            int slot = find(d[0]);
            TranslatedUnit now = slot < 0 ? null : units[slot];
            if (now == null || now instanceof PendingUnit || now == TranslatedUnit.UNTRANSLATABLE) {
                sb.append(": gone\n");
            } else if (now.hot) {
                sb.append(String.format(": hot unit, tier %d, %.1f M insns, %.3f s profiled%n", c == null ? -1 : c.compiledTier(now), now.profInsns / 1e6, now.profNanos / 1e9));
            } else {
                sb.append(String.format(": C1 unit (%.1f M insns), build %s%n", now.profInsns / 1e6,
                        now.promoted == null ? (now.promotionQueued ? "queued" : "none") : "waits at tier " + (c == null ? -1 : c.compiledTier(now.promoted))));
            }
        }
        return sb.toString();
    }

    /**
     * Profile only ({@link TranslationProfile#DUMP}): every live unit, "unit KEY TIER RUNS INSNS NANOS GUEST-INSNS CODE-HEX LOADED
     * STORED MISS-EXITS" (LOADED, STORED: the registers its entry loads from the hart and its exit stores back, each run;
     * MISS-EXITS: a C1 unit's leaves before a miss, Translator#c1MissLeaves; 0 for a hot-tier unit since round 84), then (round 63) "AT-TAKE PENDING
     * SPAN": the instructions interpreted at its entry while its job was queued and until it was installed (-1, 0: not
     * built on the translator thread) and the heat span (CodeCache#profHeatSince), then (round 76) CLASS: the unit's
     * hidden class name, as -XX:+DumpPerfMapAtExit's map names its code (a tool joins perf's samples to keys)
     * (counted over the whole run: a tool subtracts a run stopped at the phase's start), to DUMP.units.
     */
    private void dumpUnits(java.util.List<TranslatedUnit> l) {
        StringBuilder sb = new StringBuilder();
        for (TranslatedUnit u : l) {
            // The entry's first code bytes (up to 32, within its page): a tool finds a user-space unit's virtual
            // address by looking them up in the guest's binary (keys are RAM offsets; round 44, jit24gzip).
            byte[] page = ram.pageForRead(u.pageIndex);
            int off = (int) (u.key & (page.length - 1));
            StringBuilder code = new StringBuilder();
            for (int i = off; i < Math.min(page.length, off + 32); i++) code.append(String.format("%02x", page[i] & 0xff));
            sb.append(String.format("unit %x %s %d %d %d %d %s %d %d %d %d %d %d %s%n", u.key, u.hot ? "C2" : "C1", u.profRuns, u.profInsns, u.profNanos,
                    u.instructionCount, code.length() > 0 ? code : "-", u.profRegsLoaded, u.profRegsStored, u.missExits & 0xffff_ffffL,
                    u.profInterpAtTake, u.profInterpPending, u.profHeatSpan, u.getClass().getName()));
        }
        TranslationProfile.writeDump(".units", sb);
    }

    /**
     * Profile only: guest instructions interpreted from each heat slot's entries since it last got hot (hash collisions
     * share a slot), the sum of them over the entries that got hot (the count to the threshold) and how many got hot.
     */
    private final long[] profHeatInsns = Hart.PROFILE_UNITS ? new long[HEAT_SIZE] : null;
    private long profBeforeHot, profGotHot;
    /** Profile only: the guest's instruction count when each heat slot last began to gather heat, and the span of the last entry that got hot. */
    private final long[] profHeatSince = Hart.PROFILE_UNITS ? new long[HEAT_SIZE] : null;
    private long profLastHeatSpan;
    /** Profile only: instructions interpreted at a pending entry, by its job's stage (PendingUnit#stage). */
    private final long[] profPendingByStage = new long[5];

    /** Profile only: guest instructions between a job's queuing and its installation (sum, count, longest and its key). */
    private long profWaitInsns, profWaits, profMaxWait, profMaxWaitKey;
    /** Profile: sums over installed jobs of nanoseconds queued, translating, compiling, handed back until installed; jobs ahead at queueing; jobs queued behind others; later jobs taken before them. */
    private final long[] profWaitParts = new long[7];
    /**
     * Profile: hot-tier jobs handed back (built or not): count; sums of nanoseconds queued, of nanoseconds taken to handed
     * back, of guest instructions queued to handed back, of jobs ahead when queued, of jobs queued later and taken
     * before them; the longest queued (ns). Their C1 units run meanwhile: the wait is C1 code where C2's could be sooner.
     */
    private final long[] profHotWait = new long[7];

    /**
     * Profile only: the live units built on the translator thread, by what the guest interpreted at their entry while
     * their job was queued (none: the guest had left the code by then): how many, and what they retired once installed.
     */
    private static String jobsByInterpreted(java.util.List<TranslatedUnit> l) {
        long[][] g = new long[3][4]; // [none, 1-99,999, >= 100,000][units, instructions retired, units under 10,000, under 100,000]
        for (TranslatedUnit u : l) {
            if (u.profInterpAtTake < 0 || u.hot) continue;
            int b = u.profInterpAtTake == 0 ? 0 : u.profInterpAtTake < 100_000 ? 1 : 2;
            g[b][0]++;
            g[b][1] += u.profInsns;
            if (u.profInsns < 10_000) g[b][2]++;
            if (u.profInsns < 100_000) g[b][3]++;
        }
        long[][] sp = new long[5][3]; // by heat span [< 1 M, 1-10 M, 10-100 M, 100 M-1 G, more]: units, retired, under 100,000
        for (TranslatedUnit u : l) {
            if (u.profInterpAtTake < 0 || u.hot) continue;
            int b = u.profHeatSpan < 1_000_000 ? 0 : u.profHeatSpan < 10_000_000 ? 1 : u.profHeatSpan < 100_000_000 ? 2 : u.profHeatSpan < 1_000_000_000 ? 3 : 4;
            sp[b][0]++;
            sp[b][1] += u.profInsns;
            if (u.profInsns < 100_000) sp[b][2]++;
        }
        StringBuilder sb = new StringBuilder("  live C1 units by the guest instructions their entry took to get hot (heat span):");
        String[] spans = {"< 1 M", "1-10 M", "10-100 M", "100 M-1 G", ">= 1 G"};
        for (int b = 0; b < 5; b++) sb.append(String.format(" %s: %,d units, %,d retired, %,d under 100,000;", spans[b], sp[b][0], sp[b][1], sp[b][2]));
        sb.append('\n');
        sb.append("  live C1 units by what the guest interpreted at the entry while queued:");
        String[] names = {"none", "1-99,999", ">= 100,000"};
        for (int b = 0; b < 3; b++) {
            sb.append(String.format(" %s: %,d units, %,d instructions retired, %,d retired under 10,000, %,d under 100,000;", names[b], g[b][0], g[b][1], g[b][2], g[b][3]));
        }
        return sb.append('\n').toString();
    }

    /** Profile only: hot-tier job {@code p} is back from the translator thread (see {@link #profHotWait}). */
    private void profHotJob(PendingUnit p, Hart h) {
        long queued = p.takenNanos - p.queuedNanos;
        profHotWait[0]++;
        profHotWait[1] += queued;
        profHotWait[2] += p.compiledNanos - p.takenNanos;
        profHotWait[3] += h.instret - p.queuedAt;
        profHotWait[4] += p.queuedBehind;
        profHotWait[5] += p.overtaken;
        profHotWait[6] = Math.max(profHotWait[6], queued);
    }

    String profile() {
        StringBuilder pend = new StringBuilder();
        for (TranslatedUnit u : units) {
            if (u instanceof PendingUnit p) pend.append(String.format(" %x(queued at %.0f M, stage %d, cancelled %b)", p.key, p.queuedAt / 1e6, p.stage, p.cancelled));
        }
        String waits = String.format("jobs installed %,d, mean wait %.2f M instructions, longest %.1f M (key %x); still pending:%s; completed not installed %d%n",
                profWaits, profWaitInsns / 1e6 / Math.max(1, profWaits), profMaxWait / 1e6, profMaxWaitKey, pend, completed.size());
        java.util.List<TranslatedUnit> l = new java.util.ArrayList<>();
        for (TranslatedUnit u : units) if (u != null && u != TranslatedUnit.UNTRANSLATABLE && !(u instanceof PendingUnit)) l.add(u);
        l.sort((a, b) -> Long.compare(b.profNanos, a.profNanos));
        long w = Math.max(1, profWaits);
        waits += String.format("  wait by part (mean per installed job): queued %.2f ms, translating %.2f ms, compiling %.2f ms, handed back to installed %.2f ms; %.2f jobs ahead when queued, %,d of %,d queued behind others; %.2f later jobs taken before it%n",
                profWaitParts[0] / 1e6 / w, profWaitParts[1] / 1e6 / w, profWaitParts[2] / 1e6 / w, profWaitParts[3] / 1e6 / w,
                profWaitParts[4] / (double) w, profWaitParts[5], profWaits, profWaitParts[6] / (double) w);
        long hw = Math.max(1, profHotWait[0]);
        waits += String.format("  hot-tier jobs: %,d handed back; mean queued %.2f ms (longest %.2f), taken to handed back %.2f ms, %.2f M guest instructions queued to handed back; %.2f jobs ahead when queued, %.2f later jobs taken before it%n",
                profHotWait[0], profHotWait[1] / 1e6 / hw, profHotWait[6] / 1e6, profHotWait[2] / 1e6 / hw, profHotWait[3] / 1e6 / hw,
                profHotWait[4] / (double) hw, profHotWait[5] / (double) hw);
        waits += String.format("  interpreted at entries before they got hot: %,d instructions over %,d entries (%,d per entry); at pending entries: queued %,d, translating %,d, C1 compiling %,d, built %,d, handed back until installed %,d%n",
                profBeforeHot, profGotHot, profBeforeHot / Math.max(1, profGotHot), profPendingByStage[0], profPendingByStage[1],
                profPendingByStage[4], profPendingByStage[2], profPendingByStage[3]);
        waits += jobsByInterpreted(l);
        StringBuilder sb = new StringBuilder(waits).append(hotProfile());
        long total = 0, runs = 0, insns = 0;
        for (TranslatedUnit u : l) { total += u.profNanos; runs += u.profRuns; insns += u.profInsns; }
        sb.append(String.format("units total %.2f s, %d runs, %d insns%n", total / 1e9, runs, insns));
        if (TranslationProfile.DUMP != null) dumpUnits(l);
        // By the entry's RAM page: a function spread over many units (SHA-256's unrolled rounds) shows as one line.
        HashMap<Integer, long[]> byPage = new HashMap<>();
        for (TranslatedUnit u : l) {
            long[] v = byPage.computeIfAbsent(u.pageIndex, k -> new long[4]);
            v[0] += u.profNanos; v[1] += u.profRuns; v[2] += u.profInsns; v[3]++;
        }
        byPage.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(12)
                .forEach(e -> sb.append(String.format("  units in page %x: %.3f s, %d runs, %d insns (%.1f ns/insn), %d units%n", (long) e.getKey(),
                        e.getValue()[0] / 1e9, e.getValue()[1], e.getValue()[2], e.getValue()[0] / Math.max(1.0, e.getValue()[2]), e.getValue()[3])));
        for (int i = 0; i < Math.min(40, l.size()); i++) {
            TranslatedUnit u = l.get(i);
            // (Where a C1 unit stands on its way to the hot tier: instructions left before the next look, a build queued,
            // a build waiting for HotSpot's compile.)
            String tier = u.hot ? " (hot tier)" : String.format(" (C1; until hot %d%s%s)", u.untilHot == Long.MAX_VALUE ? -1 : u.untilHot,
                    u.promotionQueued ? ", build queued" : "", u.promoted != null ? ", build waits, compiled " + u.promoted.compiled : "");
            sb.append(String.format("key %x%s: %.3f s, %d runs, %d insns (%.1f ns/insn), %d guest insns%n", u.key, tier,
                    u.profNanos / 1e9, u.profRuns, u.profInsns, u.profNanos / Math.max(1.0, u.profInsns), u.instructionCount));
            if (i < 24 && u.profExitCounts != null) {
                String[] kinds = {"budget", "region", "page", "jalr", "helper"};
                for (int e = 0; e < u.profExitCounts.length; e++) {
                    if (u.profExitCounts[e] * 50 < u.profRuns) continue;
                    sb.append(String.format("    exit %s at/to %x: %d%n", kinds[u.exitKinds[e]], u.profExitOffsets[e], u.profExitCounts[e]));
                }
                StringBuilder hex = new StringBuilder();
                for (int b = u.profFirst; b < u.profLast; b++) hex.append(String.format("%02x", u.profCode[b]));
                sb.append(String.format("    code %x %s%n", u.profFirst, hex));
            }
        }
        return sb.toString();
    }

    /**
     * A unit runs only once HotSpot has compiled it: before that the JVM interprets its bytecode, slower than our own
     * interpreter, and on a 2-core machine the compiler queue can hold a unit for seconds. A unit called with a
     * budget of 0 leaves at once without touching guest state; such calls count towards HotSpot's compile threshold
     * and tell by their duration whether compiled code runs yet (tens of nanoseconds, against microseconds
     * interpreted). So the guest never waits for the JIT compiler. (Doubling the visits between probes after each
     * one that found the unit uncompiled, up to 128, made 5x fewer probes but ran no faster and translated less of
     * the boot by /init: docs/BENCHMARKS.md, CPU benchmark, round 11.)
     */
    boolean ready(TranslatedUnit u, Hart h) {
        if (runUncompiled) {
            u.compiled = true;
            restartHotCount(u, h);
            return true;
        }
        if (++u.sinceProbe < PROBE_INTERVAL) return false;
        u.sinceProbe = 0;
        if (Hart.PROFILE_UNITS) h.profile.counts[TranslationProfile.PROBES]++;
        // (Always the timed call: a unit built on the guest's thread has no compile asked for through the API, and
        // these calls are what brings HotSpot's policy to compile it; asking instead, as round 28 tried with the hot
        // tier's look as the default, left such units uncompiled and never run: see LOOK_TIMED.)
        if (compiledNow(u, h, LOOK_TIMED)) {
            // Its count towards the hot tier begins now, when it can first run: the instructions the interpreter ran
            // while HotSpot had not compiled it are not the unit's.
            restartHotCount(u, h);
            return true;
        }
        if (Hart.PROFILE_UNITS) h.profile.counts[TranslationProfile.PROBES_NOT_COMPILED]++;
        return false;
    }

    /** The last timed call's nanoseconds (only with {@link #HOT_LOG}: its look lines). */
    private static long lastTimedNanos;
    private static final int PROBE_INTERVAL = 8;
    private static final long COMPILED_CALL_NANOS = 400;
    /**
     * How the hot tier looks at a waiting build ({@link #buildCompiled}), {@code -Dvmckpt.jit.hotLook=timed|ask|hybrid}:
     * <ul>
     * <li>{@code timed} (the default; main's until round 29, again since round 30): a budget-0 call of the build,
     *     compiled if it took under 400 ns. It met the
     *     build's code and data cold, so builds HotSpot had compiled long before stayed uninstalled (round 28: 27-33 of
     *     65-66 builds installed in the CPU benchmark's compute phase; round 37: at the phase's end 46 of 47 and 52 of 52
     *     waiting builds had compiled code, and 13 of gzip's 17 builds had had tier-3 code since 10 ms after they were
     *     built).</li>
     * <li>{@code ask} (round 27's {@code hotAsksHotSpot}): HotSpot says through the WhiteBox API whether the build has
     *     compiled code (61-64 of 67 installed), but never calls it: where the tier-3 compile that the build's warm-up calls
     *     asked for is not made (HotSpot's policy scales its thresholds with C1's queue and drops queued tasks of methods
     *     no longer called), nothing ever asks again, and the build waits for good (HotTierTest's 3-instruction loop:
     *     never installed within 120 s).</li>
     * <li>{@code hybrid} (round 29's default; off since round 30: with the share rule, not shown faster than the timed
     *     look in two quiet series of three rounds each; round 37, without the rule: every build of the compute phase ran
     *     as C2 code ~0.1 s after it was built, yet the phase's run thread was lower in only 9 of 17 loaded pairs): asks HotSpot; while the answer is no, each look also calls the build (a negative
     *     budget: it returns at once and touches no hart), so that HotSpot's counters see it and its policy queues the
     *     compile again; and after {@link #HOT_LOOKS_BEFORE_REQUEST} looks without code the build is queued for tier 3
     *     through the API, a task HotSpot never drops, so a build waits at most that long plus C1's queue.</li>
     * </ul>
     * Without the API every mode is the timed call. Either way a build is installed once it has compiled code, tier 3 (C1
     * with profiling) or C2: its real runs then fill the profile and bring it to C2 (the looks' calls alone would take
     * ~1 G instructions of the old unit to reach C2's thresholds).
     */
    static final int LOOK_TIMED = 0, LOOK_ASK = 1, LOOK_HYBRID = 2;
    static final int HOT_LOOK = switch (System.getProperty("vmckpt.jit.hotLook", "timed")) {
        case "timed" -> LOOK_TIMED;
        case "ask" -> LOOK_ASK;
        case "hybrid" -> LOOK_HYBRID;
        default -> throw new IllegalArgumentException("-Dvmckpt.jit.hotLook: timed, ask or hybrid");
    };
    /** Looks at a build without compiled code after which the hybrid look queues it for tier 3 through the API. */
    static final int HOT_LOOKS_BEFORE_REQUEST = 4;

    /** Counters for --stats and tests. */
    public Stats stats() {
        return new Stats(unitsTranslated, liveUnits, liveInstructions, invalidations, flushes, translatedInstructionsRun, bytecodeBytes, unitRuns, chainedRuns, deferrals, translationNanos,
                backgroundNanos, staleDropped, queueFull, crossPageUnits, promotions, promotionsDropped, compileRefused,
                batchesEndedBeforeUnit, hotBuilds, hotWaiting(), hotWaitingCompiled(), hotInstructionsRun(), hotRequested);
    }

    /**
     * @param unitsTranslated          units built since the machine started
     * @param liveUnits                units in the cache now
     * @param liveInstructions         guest instructions those hold
     * @param invalidations            code pages whose translations a write made stale
     * @param flushes                  times the whole cache was dropped (bound reached)
     * @param translatedInstructionsRun guest instructions retired inside translated code
     * @param bytecodeBytes            JVM bytecode generated, in bytes
     * @param unitRuns                 calls of translated units
     * @param chainedRuns              of those, units found through the previous unit's chain slot (no lookup)
     * @param deferrals                units that left for the interpreter to run a device access or a code write
     * @param translationNanos         CPU time spent translating on the guest's thread (synchronous translation)
     * @param backgroundNanos          CPU time the translator thread spent on this cache's jobs (installed so far)
     * @param staleDropped             translator-thread jobs not installed (built, or skipped once known stale): their
     *                                 page was written or the cache flushed after the entry got hot
     * @param queueFull                hot entries left to the interpreter because the translator thread's queue was full
     * @param crossPageUnits           of the units built, those whose code goes on into the next page
     * @param promotions               units replaced by their hot-tier build, compiled by C2 (see {@link #hot})
     * @param promotionsDropped        hot-tier builds dropped: the unit they were for died meanwhile (a write to its
     *                                 pages, a flush), or its code could not be built again
     * @param compileRefused           units built whose compilation C1 refused (their entries stay interpreted)
     * @param batchesEndedBeforeUnit   batches ended early, before a unit whose entry block did not fit their rest
     * @param hotBuilds                hot-tier builds handed over (built and not dropped at once)
     * @param hotWaiting               of those, builds still waiting in a live unit (neither installed nor dropped)
     * @param hotWaitingCompiled       of those, builds HotSpot has compiled code for now (not installed by the look), -1:
     *                                 no WhiteBox API to ask
     * @param hotInstructionsRun       guest instructions retired by the hot-tier units that are live (C2's code, or
     *                                 tier 3's until C2 has compiled them)
     * @param hotRequested             hot-tier builds queued for tier 3 through the WhiteBox API after looks found no code
     */
    public record Stats(long unitsTranslated, long liveUnits, long liveInstructions, long invalidations, long flushes,
                        long translatedInstructionsRun, long bytecodeBytes, long unitRuns, long chainedRuns, long deferrals, long translationNanos,
                        long backgroundNanos, long staleDropped, long queueFull, long crossPageUnits, long promotions,
                        long promotionsDropped, long compileRefused, long batchesEndedBeforeUnit, long hotBuilds,
                        long hotWaiting, long hotWaitingCompiled, long hotInstructionsRun, long hotRequested) { }
}
