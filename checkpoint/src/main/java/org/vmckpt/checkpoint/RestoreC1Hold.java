package org.vmckpt.checkpoint;

/**
 * Makes C1's tier 3 (C1 with full profiling) wait longer while an eager restore runs: HotSpot's tiered policy reads its
 * tier-3 call thresholds ({@code Tier3InvocationThreshold}, {@code Tier3MinInvocationThreshold},
 * {@code Tier3CompileThreshold}) at every decision, so multiplying them by a factor through HotSpot's WhiteBox API (as
 * {@code HotSpotCompiler} reaches it) lets only methods called that many times more be queued for C1 until they are put
 * back. The back-edge threshold ({@code Tier3BackEdgeThreshold}) is left alone: a loop that runs long is compiled (on
 * stack) as soon as before, so no long loop stays in the interpreter (the disk overlay's restore compares 2,944 blocks of
 * 4 KiB with zeros in {@code Arrays.mismatch}: ~1,200 of them interpreted with that threshold raised ten times).
 * Nothing else changes: code already compiled stays, {@link RestoreTier1}'s explicit tier-1 requests (the loading path)
 * are not thresholds and go out as before, trivial methods and natives go to tier 1 as before (the policy skips the
 * thresholds for them), and a method still warm afterwards is compiled at its next look of the policy.
 *
 * <p>Why (round 72, branch restore72): C1 took 8-10% of an eager restore's CPU samples on the signed guest (round 71), and
 * a compile log of one restore showed its tasks are not the loaders' (those are asked for at tier 1 before they run) but
 * the code the restoring thread and the command line run a few hundred times each: the JDK's strings, maps, method
 * handles and properties, the machine's construction, the state records (130-190 tier-3 tasks from the command's start
 * to the window, on the two cores the loader thread and the restoring thread need). Such a method costs less run a few
 * hundred more times in the interpreter than compiled with full profiling on a core the restore needs.
 *
 * <p>From the command line's start for {@code vmckpt restore} without {@code --lazy} ({@link #startEarly}: the WhiteBox
 * API set up on a thread of its own, {@code vmckpt-jit-c1hold}) until the restore has its pages (or failed); with two
 * restores at once, until the last one ends. The hold is the JVM's. Off by default: {@code -Dvmckpt.restore.holdC1=N}
 * (an integer from 2 to 1000) multiplies the thresholds by N; without the WhiteBox API nothing changes.
 */
public final class RestoreC1Hold {
    /** The policy's tier-3 thresholds, multiplied while held. */
    static final String[] FLAGS = {
            "Tier3InvocationThreshold", "Tier3MinInvocationThreshold", "Tier3CompileThreshold",
    };
    /** The largest factor taken. */
    static final int MAX_FACTOR = 1000;

    /** The thresholds times the switch's factor while held (none while the switch is off). */
    private static final HeldCompilerFlags HOLD = new HeldCompilerFlags("vmckpt-jit-c1hold", FLAGS) {
        @Override
        long heldValue(int i, long own) {
            int f = factor();
            return f == 0 ? -1 : Math.min(Integer.MAX_VALUE, own * f);
        }
    };
    /** An early start ({@link #startEarly}) whose restore has not begun yet (guarded by HOLD's lock). */
    private static boolean earlyPending;

    private RestoreC1Hold() { }

    /** The factor the switch asks for, or 0 (off: absent, not a number, below 2 or above {@link #MAX_FACTOR}). Read at each use. */
    static int factor() {
        String v = System.getProperty("vmckpt.restore.holdC1");
        if (v == null) return 0;
        try {
            int f = Integer.parseInt(v.trim());
            return f >= 2 && f <= MAX_FACTOR ? f : 0;
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /**
     * The command line of an eager restore starts (its preload): the hold goes in place now, for the command's own steps
     * too; the restore's {@link #begin} takes it over. Nothing when off.
     */
    public static void startEarly() {
        if (factor() == 0) return;
        synchronized (HOLD) {
            if (earlyPending) return;
            earlyPending = true;
            HOLD.want();
        }
        HOLD.applySoon();
    }

    /** An eager restore starts. Returns whether the caller must call {@link #end}. */
    static boolean begin() {
        if (factor() == 0) {
            synchronized (HOLD) {
                if (!earlyPending) return false;
                earlyPending = false; // the early start's hold is this restore's, whatever the switch says now
            }
            return true;
        }
        synchronized (HOLD) {
            if (earlyPending) earlyPending = false;
            else HOLD.want();
        }
        HOLD.applySoon();
        return true;
    }

    /** Puts the hold in place if a restore still wants it and it is not in place yet. */
    static void apply() {
        HOLD.apply();
    }

    /** A restore that {@link #begin began} the hold has loaded its pages (or failed): the last one puts the flags back. */
    static void end() {
        synchronized (HOLD) {
            if (HOLD.release()) earlyPending = false;
        }
    }

    /** True while the hold is in place. */
    static boolean held() {
        return HOLD.held();
    }

    /** How many times the hold was put in place in this JVM (tests). */
    static int holds() {
        return HOLD.holds();
    }

    /** The thresholds' values HotSpot had before the hold, or null when not held (tests). */
    static long[] savedFlags() {
        return HOLD.savedFlags();
    }
}
