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
            INTERP_NOT_COMPILED = 18, INTERP_BUDGET = 19, INTERP_UNTRANSLATABLE = 20, PROBES = 21, PROBES_NOT_COMPILED = 22;
    private static final String[] NAMES = {"exit budget", "exit region (same page)", "exit page end / other page",
            "exit jalr", "exit after helper", "exit trap", "exit deferral", "exit event", "TLB misses in units",
            "helper AMO/LR/SC", "helper CSR", "helper FP", "helper other", "interpreted blocks",
            "interpreted instructions", "units entered by chain", "units entered by lookup",
            "interpreted: no unit (yet)", "interpreted: not compiled yet", "interpreted: entry block > budget",
            "interpreted: untranslatable", "probes of uncompiled units", "probes: still not compiled"};

    final long[] counts = new long[NAMES.length];
    /** Interpreted instructions and blocks by virtual page of the block's start. */
    private final HashMap<Long, long[]> interpretedPages = new HashMap<>();

    /** The counter of an instruction a unit leaves to the interpreter (Hart.execOne). */
    static int helperKind(int insn) {
        switch (Decode.opcode(insn)) {
            case 0x2f: return HELPER_AMO;
            case 0x73: return HELPER_CSR;
            case 0x07: case 0x27: case 0x43: case 0x47: case 0x4b: case 0x4f: case 0x53: return HELPER_FP;
            default: return HELPER_OTHER;
        }
    }

    /** A block the dispatcher interpreted from {@code pc0}: {@code ran} instructions with {@code left} in the budget. */
    void interpreted(TranslatedUnit u, long pc0, int left, int ran) {
        counts[INTERP_BLOCKS]++;
        counts[INTERP_INSNS] += ran;
        counts[u == null ? INTERP_NO_UNIT : u == TranslatedUnit.UNTRANSLATABLE ? INTERP_UNTRANSLATABLE
                : u.entryBlockLength > left ? INTERP_BUDGET : INTERP_NOT_COMPILED] += ran;
        long[] page = interpretedPages.computeIfAbsent(pc0 >>> 12, k -> new long[2]);
        page[0] += ran;
        page[1]++;
    }

    /** The counters, one per line, then the pages where most instructions were interpreted. */
    String report() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < NAMES.length; i++) sb.append(String.format("  %-28s %,d%n", NAMES[i], counts[i]));
        interpretedPages.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(12)
                .forEach(e -> sb.append(String.format("  interpreted in page %x: %,d instructions, %,d blocks%n", e.getKey() << 12, e.getValue()[0], e.getValue()[1])));
        return sb.toString();
    }
}
