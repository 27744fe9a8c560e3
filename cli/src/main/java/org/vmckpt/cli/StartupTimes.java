package org.vmckpt.cli;

/**
 * Stamps of a VM's start, from the process's {@code main} to the guest's first instruction, for {@code --stats}: the
 * start-up a boot's wall time includes and QEMU's barely does (a few tens of milliseconds), taken apart by step.
 * Stamps are {@link System#nanoTime}; a step never reached prints nothing. Written and read on the main thread only, but
 * for a restored VM's session set up beside its guest (-Dvmckpt.restore.sessionBeside: the engine's and the control socket's
 * stamps come from that thread, and the mark lines' diagnostic reads them racily on the guest's).
 */
final class StartupTimes {
    private StartupTimes() { }

    /** The steps, in the order a boot reaches them. */
    static final String[] STEPS = {"main", "options", "machine", "boot files", "checkpoint engine", "control socket", "first instruction"};
    static final int MAIN = 0, OPTIONS = 1, MACHINE = 2, BOOT_FILES = 3, ENGINE = 4, CONTROL = 5, FIRST_INSTRUCTION = 6;

    private static final long[] STAMPS = new long[STEPS.length];

    /** A restore's "restored" line ({@link System#nanoTime}, {@code --stats} only; 0 otherwise), for the mark lines' diagnostic. */
    static long restoredNanos;
    /** After "restored" ({@code --stats} only): the stats lines printed, the new generation drawn, the stats' beans read (run). */
    static long statsPrintedNanos, generationNanos, beansNanos;
    /** A restored VM's control socket bound before its guest's first instruction, its session beside it (round 79); 0 otherwise. */
    static long socketBoundNanos;

    /** A reached step's stamp, 0 if not reached. */
    static long stamp(int step) {
        return STAMPS[step];
    }

    /** Notes that step {@code step} ended now. */
    static void mark(int step) {
        STAMPS[step] = System.nanoTime();
    }

    /** Sets step {@code step}'s stamp (tests), or clears it with 0. */
    static void set(int step, long nanos) {
        STAMPS[step] = nanos;
    }

    /**
     * One line: each reached step's milliseconds since the previous reached one, the first from the JVM's start
     * ({@code jvmToMainMillis}: the JVM's uptime when {@code main} ran).
     */
    static String describe(double jvmToMainMillis) {
        StringBuilder sb = new StringBuilder(String.format("JVM %.0f ms", jvmToMainMillis));
        long prev = STAMPS[MAIN];
        if (prev == 0) return sb.toString();
        for (int i = 1; i < STEPS.length; i++) {
            if (STAMPS[i] == 0) continue;
            sb.append(String.format(", %s %.0f ms", STEPS[i], (STAMPS[i] - prev) / 1e6));
            prev = STAMPS[i];
        }
        return sb.toString();
    }

    /**
     * Milliseconds from {@code main} to the guest's first instruction of a booted VM (0 if one of them was not stamped,
     * or the VM was not booted here: a restore's or a migration's steps are others).
     */
    static double mainToFirstInstructionMillis() {
        return STAMPS[MAIN] == 0 || STAMPS[BOOT_FILES] == 0 || STAMPS[FIRST_INSTRUCTION] == 0 ? 0 : (STAMPS[FIRST_INSTRUCTION] - STAMPS[MAIN]) / 1e6;
    }
}
