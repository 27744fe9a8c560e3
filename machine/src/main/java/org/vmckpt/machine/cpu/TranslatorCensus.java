package org.vmckpt.machine.cpu;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Where a unit's bytecode goes ({@code -Dvmckpt.jit.census=true}; a diagnostic, off): bytes by part of the unit (the
 * prologue, budget checks, each instruction kind's inline code, each kind of out-of-line stub, the exits' stores), guest
 * instructions by kind, jump targets (the method's basic blocks, roughly) and locals, summed over every unit built and
 * printed to stderr when the JVM exits. The translator measures each part by the method's offset before and after it.
 */
final class TranslatorCensus {
    static final boolean ON = Boolean.getBoolean("vmckpt.jit.census");

    // Parts of a unit's bytecode.
    static final int PROLOGUE = 0, BUDGET = 1, ALU = 2, UPPER = 3, JAL = 4, JALR = 5, BRANCH = 6, LOAD = 7, STORE = 8,
            HELPER = 9, FALL = 10, S_LOAD = 11, S_STORE = 12, S_EXIT = 13, S_CROSS = 14, S_MISS = 15, NESTED = 16,
            EXITS = 17, PARTS = 18;
    static final String[] NAMES = {"prologue", "budget checks", "alu", "lui/auipc", "jal", "jalr", "branch",
            "load (inline)", "store (inline)", "helper (execOne)", "block end goto", "stub: load slow path",
            "stub: store slow path", "stub: exit", "stub: second-page check", "stub: miss exit", "nested calls",
            "exit stores + common exit"};
    // Counts, after the parts.
    static final int UNITS = PARTS, GUEST = PARTS + 1, TARGETS = PARTS + 2, LOCALS = PARTS + 3, EXIT_STUBS = PARTS + 4,
            EXIT_UNRETIRED = PARTS + 5, BYTES = PARTS + 6, INSNS_OF = PARTS + 7; // INSNS_OF + part: guest instructions of that part
    private static final int SIZE = INSNS_OF + PARTS;

    private static final AtomicLongArray totals = new AtomicLongArray(SIZE);

    static {
        if (ON) Runtime.getRuntime().addShutdownHook(new Thread(TranslatorCensus::print, "vmckpt-census"));
    }

    private TranslatorCensus() { }

    /** Adds one unit's counts (an array of {@link #SIZE}). */
    static void add(long[] unit) {
        for (int i = 0; i < SIZE; i++) if (unit[i] != 0) totals.addAndGet(i, unit[i]);
    }

    static long[] newUnit() {
        return new long[SIZE];
    }

    static String report() {
        long units = totals.get(UNITS), guest = totals.get(GUEST), bytes = totals.get(BYTES);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("vmckpt census: %d units, %d guest instructions, %d bytes of bytecode (%.1f per instruction), "
                        + "%.1f jump targets and %.1f guest registers in locals per unit, %.1f exit stubs per unit (%.1f taking back instructions)%n",
                units, guest, bytes, (double) bytes / Math.max(1, guest), (double) totals.get(TARGETS) / Math.max(1, units),
                (double) totals.get(LOCALS) / Math.max(1, units), (double) totals.get(EXIT_STUBS) / Math.max(1, units),
                (double) totals.get(EXIT_UNRETIRED) / Math.max(1, units)));
        for (int p = 0; p < PARTS; p++) {
            long b = totals.get(p), n = totals.get(INSNS_OF + p);
            if (b == 0 && n == 0) continue;
            sb.append(String.format("  %-28s %10d bytes %5.1f%%  %6.1f per guest insn%s%n", NAMES[p], b, 100.0 * b / Math.max(1, bytes),
                    (double) b / Math.max(1, guest), n > 0 ? String.format("  (%d insns, %.1f bytes each)", n, (double) b / n) : ""));
        }
        return sb.toString();
    }

    private static void print() {
        System.err.print(report());
    }
}
