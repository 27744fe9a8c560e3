package org.vmckpt.checkpoint;

/**
 * Holds C2 off the whole JVM while an eager restore loads its pages: HotSpot's tiered policy reads its C2 thresholds
 * ({@code Tier4InvocationThreshold}, {@code Tier4MinInvocationThreshold}, {@code Tier4CompileThreshold},
 * {@code Tier4BackEdgeThreshold}) at every decision, so raising them through HotSpot's WhiteBox API (as
 * {@code HotSpotCompiler} reaches it) stops new C2 requests until they are put back, and nothing else: code already
 * compiled stays, C1 compiles as before, profiles keep counting, and a method that is still hot afterwards goes to C2
 * at its next look of the policy.
 *
 * <p>Why: the loading phase is CPU-bound on both cores (docs/BENCHMARKS.md, round 63, load63), and C2 compiled 40-55
 * methods in it that the restore's C1-only directive ({@link RestoreCompilerDirectives}) does not name: small JDK methods
 * ({@code HashMap.putVal}, {@code Long.valueOf}, {@code ByteBuffer.get}, the page copies' {@code Unsafe.copyMemory}),
 * the store's {@code TableEntry} and {@code RunTable} helpers, the machine's {@code GuestMemory.installPage}: each run a
 * few thousand times by the restore and then little or never (round 64, branch restore64). Methods with nothing to profile
 * still go to C2 at once (the policy skips the thresholds for them): a few small tasks.
 *
 * <p>The hold is the JVM's, not the restore's: a guest running in the same JVM meanwhile gets no new C2 code until the
 * last eager restore under way has loaded its pages. Off by default ({@code -Dvmckpt.restore.holdC2=true} turns it on);
 * without the WhiteBox API nothing changes.
 */
final class RestoreC2Hold {
    /** The policy's C2 thresholds, raised while held. */
    static final String[] FLAGS = {
            "Tier4InvocationThreshold", "Tier4MinInvocationThreshold", "Tier4CompileThreshold", "Tier4BackEdgeThreshold",
    };
    /** Their value while held: no restore's counter reaches it, and it is within every one's range (0 to max_jint). */
    static final long HELD = 1_000_000_000L;

    private static final HeldCompilerFlags HOLD = new HeldCompilerFlags("vmckpt-jit-hold", FLAGS) {
        @Override
        long heldValue(int i, long own) {
            return HELD;
        }
    };

    private RestoreC2Hold() { }

    /** The switch (read at each restore, so a test can turn it on and off). */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.restore.holdC2", "false"));
    }

    /**
     * An eager restore's loaders are starting: the hold is put in place, on a thread of its own the first time in a JVM
     * (the WhiteBox API's first use sets it up, tens of milliseconds the restoring thread should not wait), at once after
     * that. Returns whether the caller must call {@link #end}.
     */
    static boolean begin() {
        if (!enabled()) return false;
        HOLD.want();
        HOLD.applySoon();
        return true;
    }

    /** Puts the hold in place if a restore still wants it and it is not in place yet. */
    static void apply() {
        HOLD.apply();
    }

    /** An eager restore that {@link #begin began} the hold has loaded its pages (or failed): the last one puts the flags back. */
    static void end() {
        HOLD.release();
    }

    /** True while the hold is in place (tests). */
    static boolean held() {
        return HOLD.held();
    }

    /** How many times the hold was put in place in this JVM (tests). */
    static int holds() {
        return HOLD.holds();
    }
}
