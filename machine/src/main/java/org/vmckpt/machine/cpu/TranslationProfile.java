package org.vmckpt.machine.cpu;

import java.util.HashMap;

/**
 * The translator's profile (-Dvmckpt.jit.profile=true, a tuning aid, off by default): how units left (the
 * TranslatedUnit.EXIT_ kinds first, then a trap, a device/code-write deferral, an event), TLB misses inside units,
 * instructions units left to the interpreter by kind, and the dispatcher's choices. Translated code increments
 * {@link #counts} in place.
 */
final class TranslationProfile {
    static final int TRAP = 5, DEFER = 6, EVENT = 7, TLB_MISS = 8, HELPER_AMO = 9, HELPER_CSR = 10, HELPER_FP = 11,
            HELPER_OTHER = 12, INTERP_BLOCKS = 13, INTERP_INSNS = 14, CHAINED = 15, LOOKED_UP = 16, INTERP_NO_UNIT = 17,
            INTERP_NOT_COMPILED = 18, INTERP_BUDGET = 19, INTERP_UNTRANSLATABLE = 20, PROBES = 21, PROBES_NOT_COMPILED = 22,
            INTERP_AT_BATCH_START = 23, INTERP_AFTER_UNIT = 24, INTERP_AFTER_INTERP = 25, INTERP_UNMAPPED = 26,
            INTERP_PENDING = 27, EXIT_CALL = 28, EXIT_RETURN = 29, RETURN_PREDICTED = 30, JALR_THEN_CHAINED = 31,
            JALR_THEN_LOOKED_UP = 32, JALR_THEN_INTERPRETED = 33, SECOND_WAY = 34;
    /** How an interpreted block began (the {@code how} of {@link #interpreted}). */
    static final int BEGAN_BATCH = 0, BEGAN_AFTER_UNIT = 1, BEGAN_AFTER_INTERP = 2, BEGAN_AFTER_TRAP = 3;
    /**
     * Why an interpreted block ran from {@link #FROM} on (the phase table): the fetch TLB did not map its pc, its entry's
     * unit was being built, untranslatable, not compiled, over the budget; or no entry there, and then
     * ({@link CodeCache#noEntryReason}) a page without translations, a code page outside every unit's bytes, inside
     * a live unit's bytes (a pc no unit starts at), or inside the bytes of a unit an invalidation dropped.
     */
    static final int R_UNMAPPED = 0, R_PENDING = 1, R_UNTRANSLATABLE = 2, R_NOT_COMPILED = 3, R_BUDGET = 4,
            R_COLD_PAGE = 5, R_COLD_IN_CODE_PAGE = 6, R_INSIDE_UNIT = 7, R_INVALIDATED = 8, R_INSIDE_UNIT_AFTER_CALL = 9;
    private static final String[] REASONS = {"pc not in fetch TLB", "unit being built", "untranslatable",
            "not compiled yet", "entry block > budget", "no entry, page without translations",
            "no entry, code page, outside units", "no entry, inside a live unit (not its entry)",
            "no entry, inside a unit an invalidation dropped", "no entry, inside a live unit, after a call"};
    /** From FROM on, per reason, by an interpreted block's first pc: instructions and blocks (how many pcs, how often each). */
    @SuppressWarnings("unchecked")
    private final HashMap<Long, long[]>[] phaseStarts = new HashMap[REASONS.length];
    private static final String[] HOWS = {"batch start", "after unit", "after interp", "after trap"};
    /** From FROM on: instructions and blocks by reason and by how the block began. */
    private final long[][] phaseInsns = new long[REASONS.length][HOWS.length], phaseBlocks = new long[REASONS.length][HOWS.length];
    private static final String[] NAMES = {"exit budget", "exit region (same page)", "exit page end / other page",
            "exit jalr", "exit after helper", "exit trap", "exit deferral", "exit event", "TLB misses in units",
            "helper AMO/LR/SC", "helper CSR", "helper FP", "helper other", "interpreted blocks",
            "interpreted instructions", "units entered by chain", "units entered by lookup",
            "interpreted: no unit (yet)", "interpreted: not compiled yet", "interpreted: entry block > budget",
            "interpreted: untranslatable", "probes of uncompiled units", "probes: still not compiled",
            "interpreted: block began a batch", "interpreted: block began at a unit's exit",
            "interpreted: block followed one", "interpreted: pc not in fetch TLB",
            "interpreted: unit being built", "exit by a call (jal links)", "exit jalr to a pc a call linked",
            "  of them, the latest call's", "after a jalr exit: chained", "after a jalr exit: looked up",
            "after a jalr exit: interpreted", "  chained by a jalr's second way"};

    final long[] counts = new long[NAMES.length];
    /** {@link #counts} when the first interpreted block from {@link #FROM} on began (so the report gives the phase's own). */
    private long[] countsAtFrom;
    /**
     * The return addresses of the latest calls that left a unit (a ring, as a return address stack): a jalr exit whose
     * target is one of them returns to a call's return point; to the top one, as a stack would predict.
     */
    private final long[] calls = new long[64];
    private int callTop;
    /** The last exit was a jalr: what the dispatcher did next is counted (see {@link #afterJalr}). */
    boolean lastExitJalr;

    /** A unit left by chain slot {@code slot} of {@code u}, normally (registers {@code x}, the hart's). */
    void exited(TranslatedUnit u, int slot, long[] x) {
        lastExitJalr = u.exitKinds[slot] == TranslatedUnit.EXIT_JALR;
        if (u.profExitCalls != null && u.profExitCalls[slot]) {
            counts[EXIT_CALL]++;
            // (x1 and x5 are the link registers the ISA names; the call linked one of them, or is not counted as such)
            calls[callTop++ & 63] = x[1];
        } else if (lastExitJalr) {
            // The pc is the jalr's target: a return to a call's return point if a recent call linked it.
            long pcNow = lastPc;
            for (int i = 1; i <= 64; i++) {
                if (calls[(callTop - i) & 63] == pcNow) {
                    counts[EXIT_RETURN]++;
                    if (i == 1) counts[RETURN_PREDICTED]++;
                    callTop -= i;
                    break;
                }
            }
        }
    }

    /** The hart's pc at the exit being counted (set by the dispatcher before {@link #exited}). */
    long lastPc;

    /** What the dispatcher did after a jalr exit: 0 chained, 1 looked up a unit, 2 interpreted. */
    void afterJalr(int what) {
        if (!lastExitJalr) return;
        lastExitJalr = false;
        counts[JALR_THEN_CHAINED + what]++;
    }
    /** The per-page and per-pc tables count from this instruction count on ({@code -Dvmckpt.jit.profileFrom=N}: one phase of a run). */
    static final long FROM = Long.getLong("vmckpt.jit.profileFrom", 0);
    /**
     * Profile only: a file that gets every interpreted block start (from FROM on) and every live unit, one a line (DUMP.interp, DUMP.units), for
     * tools that name them by guest symbol ({@code -Dvmckpt.jit.profileDump=FILE}; bench/cpu/profile-symbols.py).
     */
    static final String DUMP = System.getProperty("vmckpt.jit.profileDump");
    /** Set by the dispatcher before {@link #interpreted}: the wall time the interpreted block took. */
    long interpNanos;
    /** Interpreted instructions and blocks by virtual page of the block's start. */
    private final HashMap<Long, long[]> interpretedPages = new HashMap<>();
    /** Interpreted instructions and blocks by the block's first pc, how the block began and the entry's state there. */
    private final HashMap<Long, long[]> interpretedStarts = new HashMap<>();
    /** Per 100 M instructions of the run (by instret): instructions interpreted, of those in blocks that began a batch and in blocks the budget left to the interpreter, and units installed. */
    private final long[][] timeline = new long[4][200];

    /** Invalidated code pages by RAM page: times, keys dropped, writes from inside a unit, first and last instret, last writer pc and store address. */
    private final HashMap<Integer, long[]> invalidatedPages = new HashMap<>();

    /** A write to code page {@code pageIndex} dropped its {@code keys} translations (CodeCache#invalidatePage). */
    void invalidated(int pageIndex, int keys, long instret, boolean inUnit, long pc) {
        long[] v = invalidatedPages.computeIfAbsent(pageIndex, k -> new long[6]);
        v[0]++;
        v[1] += keys;
        if (inUnit) v[2]++;
        if (v[3] == 0) v[3] = instret;
        v[4] = instret;
        v[5] = pc;
    }

    /** A unit was installed (made runnable) at instruction count {@code instret}: the timeline's fourth column. */
    void installed(long instret) {
        timeline[3][(int) Math.min(timeline[3].length - 1, instret / 100_000_000L)]++;
    }

    /** The counter of an instruction a unit leaves to the interpreter (Hart.execOne). */
    static int helperKind(int insn) {
        switch (Decode.opcode(insn)) {
            case 0x2f: return HELPER_AMO;
            case 0x73: return HELPER_CSR;
            case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53: return HELPER_FP;
            default: return HELPER_OTHER;
        }
    }

    /**
     * A block the dispatcher interpreted from {@code pc0}: {@code ran} instructions with {@code left} in the budget,
     * after what {@code how} says (BEGAN_*), with the code cache's entry at {@code pc0} in {@code state}
     * ({@link CodeCache#entryStateAt}) when it began, at instruction count {@code instret}.
     */
    void interpreted(TranslatedUnit u, long pc0, int left, int ran, int how, int state, int noEntry, long instret) {
        if (instret >= FROM && countsAtFrom == null) countsAtFrom = counts.clone();
        if (instret >= FROM) {
            int r = state == 0 ? R_UNMAPPED : state == 2 ? R_PENDING : u == null ? noEntry
                    : u == TranslatedUnit.UNTRANSLATABLE ? R_UNTRANSLATABLE : u.entryBlockLength > left ? R_BUDGET : R_NOT_COMPILED;
            phaseInsns[r][how] += ran;
            phaseBlocks[r][how]++;
            if (phaseStarts[r] == null) phaseStarts[r] = new HashMap<>();
            long[] st = phaseStarts[r].computeIfAbsent(pc0, k -> new long[2]);
            st[0] += ran;
            st[1]++;
        }
        if (how == BEGAN_AFTER_TRAP) how = BEGAN_AFTER_UNIT; // (the tables below keep their three kinds)
        counts[INTERP_BLOCKS]++;
        counts[INTERP_INSNS] += ran;
        counts[u == null ? INTERP_NO_UNIT : u == TranslatedUnit.UNTRANSLATABLE ? INTERP_UNTRANSLATABLE
                : u.entryBlockLength > left ? INTERP_BUDGET : INTERP_NOT_COMPILED] += ran;
        counts[INTERP_AT_BATCH_START + how] += ran;
        int t = (int) Math.min(timeline[0].length - 1, instret / 100_000_000L);
        timeline[0][t] += ran;
        if (how == BEGAN_BATCH) timeline[1][t] += ran;
        if (u != null && u != TranslatedUnit.UNTRANSLATABLE && u.entryBlockLength > left) timeline[2][t] += ran;
        if (state == 0) counts[INTERP_UNMAPPED] += ran;
        if (state == 2) counts[INTERP_PENDING] += ran;
        if (instret < FROM) return;
        // Per first pc: instructions, blocks, by how the block began (3), by the entry's state (6), first and last instret.
        long[] start = interpretedStarts.computeIfAbsent(pc0, k -> new long[13]);
        start[0] += ran;
        start[1]++;
        start[2 + how] += ran;
        int why = state == 0 ? 0 : u == null ? (state == 2 ? 2 : 1) : u == TranslatedUnit.UNTRANSLATABLE ? 5 : u.entryBlockLength > left ? 4 : 3;
        start[5 + why] += ran;
        if (start[11] == 0) start[11] = instret;
        start[12] = instret;
        long[] page = interpretedPages.computeIfAbsent(pc0 >>> 12, k -> new long[9]);
        page[3 + why] += ran;
        page[2] += interpNanos;
        page[0] += ran;
        page[1]++;
    }

    /** Every interpreted block start from FROM on, "interp PC INSNS BLOCKS", to {@link #DUMP}.interp. */
    private void dumpInterpreted() {
        StringBuilder sb = new StringBuilder();
        interpretedStarts.forEach((pc, v) -> sb.append(String.format("interp %x %d %d%n", pc, v[0], v[1])));
        writeDump(".interp", sb);
        // By reason too (R_*): "why PC REASON INSNS BLOCKS", for bench/cpu/interp-why.py (round 66).
        StringBuilder why = new StringBuilder();
        for (int r = 0; r < REASONS.length; r++) {
            if (phaseStarts[r] == null) continue;
            int reason = r;
            phaseStarts[r].forEach((pc, v) -> why.append(String.format("why %x %d %d %d%n", pc, reason, v[0], v[1])));
        }
        writeDump(".interpwhy", why);
    }

    /** Writes {@code text} to {@link #DUMP} + {@code suffix}; a failure is reported, not thrown (a profile only). */
    static void writeDump(String suffix, CharSequence text) {
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(DUMP + suffix), text);
        } catch (java.io.IOException e) {
            System.err.println("vmckpt: profile dump: " + e);
        }
    }

    /** The counters, one per line, then the pages where most instructions were interpreted. */
    String report() {
        if (DUMP != null) dumpInterpreted();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMES.length; i++) {
            sb.append(String.format("  %-28s %,d", NAMES[i], counts[i]));
            if (FROM > 0 && countsAtFrom != null) sb.append(String.format("   (from instruction %,d: %,d)", FROM, counts[i] - countsAtFrom[i]));
            sb.append(String.format("%n"));
        }
        sb.append(String.format("  from instruction %,d: interpreted instructions (blocks) by reason, by how the block began (%s)%n", FROM, String.join(", ", HOWS)));
        for (int r = 0; r < REASONS.length; r++) {
            long ti = 0, tb = 0;
            StringBuilder row = new StringBuilder();
            for (int k = 0; k < HOWS.length; k++) {
                ti += phaseInsns[r][k];
                tb += phaseBlocks[r][k];
                row.append(String.format(" %,d (%,d)", phaseInsns[r][k], phaseBlocks[r][k]));
            }
            sb.append(String.format("    %-46s %,d (%,d):%s%n", REASONS[r], ti, tb, row));
            // How many first pcs, and the instructions of those begun there 1-15, 16-255, 256-4,095, >= 4,096 times.
            long pcs = 0;
            long[] byBlocks = new long[4];
            if (phaseStarts[r] != null) {
                for (long[] st : phaseStarts[r].values()) {
                    pcs++;
                    byBlocks[st[1] < 16 ? 0 : st[1] < 256 ? 1 : st[1] < 4096 ? 2 : 3] += st[0];
                }
            }
            if (pcs > 0) sb.append(String.format("      %,d first pcs; instructions of blocks begun at a pc 1-15 times %,d, 16-255 %,d, 256-4,095 %,d, >= 4,096 %,d%n",
                    pcs, byBlocks[0], byBlocks[1], byBlocks[2], byBlocks[3]));
        }
        for (int t = 0; t < timeline[0].length; t++) {
            if (timeline[0][t] != 0 || timeline[3][t] != 0) sb.append(String.format("  interpreted at %,d-%,d M: %,d instructions (began a batch %,d, entry block > budget %,d); %,d units installed%n",
                    t * 100, t * 100 + 100, timeline[0][t], timeline[1][t], timeline[2][t], timeline[3][t]));
        }
        interpretedPages.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(20)
                .forEach(e -> { long[] v = e.getValue(); sb.append(String.format("  interpreted in page %x: %,d instructions, %,d blocks, %.1f ns/insn"
                        + " (not in fetch TLB %,d, no entry %,d, pending %,d, not compiled %,d, budget %,d, untranslatable %,d)%n", e.getKey() << 12,
                        v[0], v[1], v[2] / (double) Math.max(1, v[0]), v[3], v[4], v[5], v[6], v[7], v[8])); });
        long inv = 0, invKeys = 0;
        for (long[] v : invalidatedPages.values()) { inv += v[0]; invKeys += v[1]; }
        sb.append(String.format("  invalidations: %,d of %,d pages, %,d keys dropped%n", inv, invalidatedPages.size(), invKeys));
        invalidatedPages.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(16)
                .forEach(e -> { long[] v = e.getValue(); sb.append(String.format("  invalidated page %x: %,d times, %,d keys, %,d from units; instret %.0f M to %.0f M; last pc %x%n",
                        (long) e.getKey(), v[0], v[1], v[2], v[3] / 1e6, v[4] / 1e6, v[5])); });
        // The busiest first pcs of interpreted blocks: whether the block began a batch, followed a unit or another
        // interpreted block; why no unit ran there; the instruction counts of the first and the last such block.
        interpretedStarts.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(24)
                .forEach(e -> { long[] v = e.getValue(); sb.append(String.format("  interpreted from %x: %,d instructions, %,d blocks (batch start %,d, after unit %,d, after interp %,d;"
                        + " not in fetch TLB %,d, no entry %,d, pending %,d, not compiled %,d, budget %,d, untranslatable %,d; instret %.0f M to %.0f M)%n",
                        e.getKey(), v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11] / 1e6, v[12] / 1e6)); });
        return sb.toString();
    }
}
