package org.vmckpt.machine.cpu;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;

/**
 * Hands translated units to HotSpot's C1 directly, through HotSpot's WhiteBox API: each unit's {@code run} is made
 * not compilable by C2 and compiled at tier 1 (C1 without profiling) once, at the request of the thread that built it.
 * The translator thread waits for the compile (a compiler directive makes its units' C1 compiles blocking, see
 * {@link UnitCompilerDirectives}) and hands over compiled units only, so the dispatcher never probes them. So a unit is
 * never compiled at tier 3 or 2 first (HotSpot's tiered policy did that for every unit: docs/BENCHMARKS.md, CPU
 * benchmark, round 7), needs no warm-up calls, and is never run by the JVM's interpreter.
 *
 * <p>The API is there only when the JVM was started with {@code -Xbootclasspath/a:vmckpt-whitebox.jar
 * -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI} (the launcher, the test JVMs and ./build's class-data training
 * do). The class {@code sun.hotspot.WhiteBox} (module whitebox/) is reached only reflectively, from the boot loader:
 * without it {@link #get} is null and units take the old path (HotSpot's own policy, warm-up calls, probes), and
 * {@link #describe} says why for {@code --stats}.
 */
public final class HotSpotCompiler {
    /** HotSpot's tier numbers (CompLevel): C1 without profiling, C1 with limited and with full profiling, and C2. */
    public static final int TIER_C1 = 1, TIER_C1_LIMITED = 2, TIER_C1_PROFILED = 3, TIER_C2 = 4;
    private static final int ENTRY_BCI = -1;

    private final MethodHandle enqueue, level, queued, compilable, notCompilable, addDirective, vmFlag, deoptimize, clearState;

    private HotSpotCompiler(Class<?> wb) throws ReflectiveOperationException {
        MethodHandles.Lookup l = MethodHandles.publicLookup();
        enqueue = l.findStatic(wb, "enqueueMethodForCompilation0", MethodType.methodType(boolean.class, Executable.class, int.class, int.class));
        level = l.findStatic(wb, "getMethodCompilationLevel0", MethodType.methodType(int.class, Executable.class, boolean.class));
        queued = l.findStatic(wb, "isMethodQueuedForCompilation0", MethodType.methodType(boolean.class, Executable.class));
        compilable = l.findStatic(wb, "isMethodCompilable0", MethodType.methodType(boolean.class, Executable.class, int.class, boolean.class));
        notCompilable = l.findStatic(wb, "makeMethodNotCompilable0", MethodType.methodType(void.class, Executable.class, int.class, boolean.class));
        addDirective = l.findStatic(wb, "addCompilerDirective", MethodType.methodType(int.class, String.class));
        vmFlag = l.findStatic(wb, "setBooleanVMFlag", MethodType.methodType(void.class, String.class, boolean.class));
        deoptimize = l.findStatic(wb, "deoptimizeMethod0", MethodType.methodType(int.class, Executable.class, boolean.class));
        clearState = l.findStatic(wb, "clearMethodState0", MethodType.methodType(void.class, Executable.class));
    }

    private static final HotSpotCompiler INSTANCE;
    private static final String UNAVAILABLE;

    static {
        HotSpotCompiler c = null;
        String why = null;
        try {
            // The boot loader only: that is where HotSpot binds the natives (a copy elsewhere would not work).
            Class<?> wb = Class.forName("sun.hotspot.WhiteBox", true, null);
            c = new HotSpotCompiler(wb);
            // Units' directives first, while the JVM's output is still off (HotSpot reports the directives added
            // there), then the output back on: registering the natives printed a line per native not declared.
            int added = (int) c.addDirective.invokeExact(UnitCompilerDirectives.json(true));
            c.vmFlag.invokeExact("DisplayVMOutput", true);
            if (added <= 0) {
                c = null;
                why = "HotSpot refused the compiler directives for translated code";
            }
        } catch (ClassNotFoundException e) {
            why = "the JVM was started without -Xbootclasspath/a:.../vmckpt-whitebox.jar";
        } catch (UnsatisfiedLinkError e) {
            why = "the JVM was started without -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI";
            c = null;
        } catch (Throwable e) {
            why = "not usable in this JVM (" + e + ")";
            c = null;
        }
        INSTANCE = c;
        UNAVAILABLE = why;
    }

    /**
     * Adds compiler directives ({@code json}, HotSpot's directives format) to this JVM, with the JVM's own output off
     * meanwhile (HotSpot reports each directive added there, which would reach a guest's console). Returns false where
     * the API is not available or HotSpot refused them; never throws. (The restore's directive, RestoreCompilerDirectives.)
     */
    public static boolean addCompilerDirectives(String json) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return false;
        try {
            c.vmFlag.invokeExact("DisplayVMOutput", false);
            try {
                return (int) c.addDirective.invokeExact(json) > 0;
            } finally {
                c.vmFlag.invokeExact("DisplayVMOutput", true);
            }
        } catch (Throwable e) {
            return false;
        }
    }

    /** The API, or null if this JVM does not offer it ({@link #describe} says why). */
    static HotSpotCompiler get() {
        return INSTANCE;
    }

    /** True if units are compiled straight at tier 1 in this JVM (for --stats). */
    public static boolean available() {
        return INSTANCE != null;
    }

    /**
     * Queues any method {@code m} for compilation at {@code tier} (whole, not on-stack), in the background. Returns false
     * if HotSpot did not queue it or this JVM has no API; never throws. (The migration warm-up's C2 requests.)
     */
    public static boolean requestMethod(Executable m, int tier) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return false;
        try {
            return (boolean) c.enqueue.invokeExact(m, tier, ENTRY_BCI);
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * True if a compile task for method {@code m} is in a compiler's queue now; false if not or this JVM has no API.
     * Never throws. (The restore's tier-1 requests, RestoreTier1.)
     */
    public static boolean methodQueued(Executable m) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return false;
        try {
            return (boolean) c.queued.invokeExact(m);
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * 1 if HotSpot may compile method {@code m} at {@code tier} (normal entry), 0 if it may not (a not-compilable mark,
     * its size), -1 if this JVM has no API or HotSpot could not say; never throws. (./build's check of the class-data
     * archive, ClassDataSharing.)
     */
    public static int methodCompilable(Executable m, int tier) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return -1;
        try {
            return (boolean) c.compilable.invokeExact(m, tier, false) ? 1 : 0;
        } catch (Throwable e) {
            return -1;
        }
    }

    /**
     * Makes method {@code m}'s compiled code (not its on-stack code) not entrant, so that it runs interpreted again and
     * HotSpot's own policy compiles it anew if it is hot. Returns false if it had none or this JVM has no API; never
     * throws. (The JDK methods an eager restore asked for at tier 1, RestoreTier1: given back to the policy after it.)
     */
    public static boolean deoptimizeMethod(Executable m) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return false;
        try {
            return (int) c.deoptimize.invokeExact(m, false) > 0;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * Clears method {@code m}'s invocation counters and profile, so that HotSpot's policy sees it as never run (tests: a
     * method an earlier test made hot would be queued by the policy at its next call). False if this JVM has no API.
     */
    public static boolean clearMethodState(Executable m) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return false;
        try {
            c.clearState.invokeExact(m);
            return true;
        } catch (Throwable e) {
            return false;
        }
    }

    /**
     * The tier of method {@code m}'s compiled code, its on-stack code if {@code osr}: 0 if none, -1 if this JVM has no API
     * or HotSpot could not say; never throws.
     */
    public static int methodTier(Executable m, boolean osr) {
        HotSpotCompiler c = INSTANCE;
        if (c == null) return -1;
        try {
            return (int) c.level.invokeExact(m, osr);
        } catch (Throwable e) {
            return -1;
        }
    }

    /** For --stats: how translated units are compiled in this JVM, one line. */
    public static String describe() {
        return INSTANCE != null ? "units compiled at C1 tier 1 directly (HotSpot WhiteBox API)"
                : "units compiled through HotSpot's own tiered policy (slower warm-up): HotSpot's WhiteBox API is not available ("
                + UNAVAILABLE + "); the ./vmckpt launcher starts the JVM with it";
    }

    /**
     * Asks for unit {@code u}'s {@code run} at tier 1, never at C2: compiled before this returns if a directive makes
     * the compile blocking (units of the translator thread, see {@link UnitCompilerDirectives}), else queued. Returns
     * the tier its code has now (1, or 0 while it is queued), or -1 if C1 refused it; never throws.
     */
    int requestTier1(TranslatedUnit u) {
        try {
            Method run = u.getClass().getDeclaredMethod("run", Hart.class, int.class);
            notCompilable.invokeExact((Executable) run, TIER_C2, false);
            boolean queued = (boolean) enqueue.invokeExact((Executable) run, TIER_C1, ENTRY_BCI);
            return queued ? (int) level.invokeExact((Executable) run, false) : -1;
        } catch (Throwable e) {
            return -1;
        }
    }

    /**
     * Queues hot-tier unit {@code u}'s {@code run} for C1 with full profiling (tier 3), in the background; HotSpot's own
     * policy then takes the profiled code to C2 as it would any method. Returns false if HotSpot did not queue it.
     */
    boolean requestTier3(TranslatedUnit u) {
        return request(u, TIER_C1_PROFILED);
    }

    /** Queues {@code u}'s {@code run} for compilation at {@code tier}, in the background (tier 4: tests). */
    boolean request(TranslatedUnit u, int tier) {
        try {
            Method run = u.getClass().getDeclaredMethod("run", Hart.class, int.class);
            return (boolean) enqueue.invokeExact((Executable) run, tier, ENTRY_BCI);
        } catch (Throwable e) {
            return false;
        }
    }

    /** The tier of the compiled code {@code u}'s {@code run} has now, 0 if none, -1 if HotSpot could not say; never throws. */
    int compiledTier(TranslatedUnit u) {
        try {
            return (int) level.invokeExact((Executable) u.getClass().getDeclaredMethod("run", Hart.class, int.class), false);
        } catch (Throwable e) {
            return -1;
        }
    }

    /** The tier of the compiled code {@code u}'s {@code run} has now, 0 if none (for tests). */
    int tier(TranslatedUnit u) {
        try {
            return (int) level.invokeExact((Executable) u.getClass().getDeclaredMethod("run", Hart.class, int.class), false);
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }
}
