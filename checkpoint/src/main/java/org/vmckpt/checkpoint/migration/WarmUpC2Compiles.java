package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.PageDelta;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * After the migration warm-up's runs: asks HotSpot's C2 to compile, now, every method of the migration's own classes
 * that the warm-up ran (C1 compiled it with a profile), and waits until it has, instead of leaving it to HotSpot's
 * thresholds. Those thresholds were not met by the warm-up: a real migration's source compiled 54-59 methods at C2
 * (0.6-0.9 s of its C2 thread's CPU) inside the migration, on the two cores the guest and the destination share, and
 * ran the page loop and the frame encoder on C1's code meanwhile (docs/BENCHMARKS.md, rounds 39 and 42).
 *
 * <p>Only methods with a profile are asked for (their code at tier 2 or 3, whole or on-stack): C2's code for a method
 * that never ran would be compiled blind (no branch or type profile) and could be thrown away at its first real use.
 * Through HotSpot's WhiteBox API ({@link HotSpotCompiler}, which the launcher makes available); without it this does
 * nothing.
 */
public final class WarmUpC2Compiles {
    /** The longest wait for the compiles asked for (C2 queues them behind whatever it compiles already). */
    static final long WAIT_NANOS = 20_000_000_000L;

    /** The classes whose hot methods the migration runs on both ends (the JDK's buffered stream carries every frame). */
    static final List<Class<?>> CLASSES = List.of(MigrationSource.class, MigrationDestination.class, PageFrames.class, ChunkStream.class,
            MigrationConnection.class, MigrationWire.class, MigrationWire.Payload.class, MigrationWire.PayloadWriter.class,
            PostCopyPages.class, StateDigest.class, PageDelta.class, java.io.BufferedOutputStream.class,
            java.io.BufferedInputStream.class, java.io.DataInputStream.class, java.io.DataOutputStream.class);

    private WarmUpC2Compiles() { }

    /**
     * Methods a real migration calls a few times, each a loop over every page: the warm-up's runs call them too few
     * times, with too few iterations, for C1 to compile them with a profile (a real round 0 ran {@code sendPageSet}
     * interpreted until C1's on-stack compile, then C2's), so they are given C1's profiling code before the runs.
     */
    static List<Method> longLoops() {
        List<Method> out = new ArrayList<>();
        for (Method m : MigrationSource.class.getDeclaredMethods()) {
            if (m.getName().equals("sendPageSet") || m.getName().equals("nonZeroPages")) out.add(m);
        }
        return out;
    }

    /**
     * What {@link #compileProfiled} did: methods asked for, and of them compiled at C2 when it returned; {@code notAtC2}
     * names those that were not (for a test's message).
     */
    record Result(int requested, int compiled, List<String> notAtC2) { }

    private static volatile Result last = new Result(0, 0, List.of());

    /** The last {@link #compileProfiled}'s result in this process (for tests and the warm-up's own check). */
    static Result last() {
        return last;
    }

    /**
     * Asks C2 for every method of {@code classes} that ran hot enough for C1 to profile it and is not at C2 yet, then
     * waits until each is (at most {@code waitNanos}, or until a real migration asks the warm-up to stop). Never throws.
     */
    static Result compileProfiled(List<Class<?>> classes, long waitNanos) {
        Result r = compileProfiled(classes, waitNanos, MigrationWarmUp::stopping);
        last = r;
        return r;
    }

    /**
     * {@link #compileProfiled} for another warm-up: asks C2 for the profiled methods of {@code classes} and waits (at most
     * {@code waitNanos}, or until {@code stop} says so); returns how many of those asked for are at C2. Never throws.
     */
    public static int forClasses(List<Class<?>> classes, long waitNanos, BooleanSupplier stop) {
        return compileProfiled(classes, waitNanos, stop).compiled();
    }

    private static Result compileProfiled(List<Class<?>> classes, long waitNanos, BooleanSupplier stop) {
        Result r = new Result(0, 0, List.of());
        if (HotSpotCompiler.available()) {
            try {
                r = compile(classes, waitNanos, stop);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // only a warm-up
            }
        }
        return r;
    }

    /** Asks C1 to compile {@code methods} with profiling (tier 3) now, so that the runs after this profile them. */
    public static void profileFromStart(List<Method> methods) {
        for (Method m : methods) {
            if (tierNow(m) == 0) HotSpotCompiler.requestMethod(m, HotSpotCompiler.TIER_C1_PROFILED);
        }
    }

    private static Result compile(List<Class<?>> classes, long waitNanos, BooleanSupplier stop) throws InterruptedException {
        List<Method> asked = new ArrayList<>();
        for (Class<?> k : classes) {
            for (Method m : k.getDeclaredMethods()) {
                if (m.isBridge() || m.isSynthetic() || Modifier.isAbstract(m.getModifiers()) || Modifier.isNative(m.getModifiers())) continue;
                if (!profiled(m) || tierNow(m) == HotSpotCompiler.TIER_C2) continue;
                if (HotSpotCompiler.requestMethod(m, HotSpotCompiler.TIER_C2)) asked.add(m);
            }
        }
        long deadline = System.nanoTime() + waitNanos;
        int compiled;
        for (int round = 1; ; round++) {
            compiled = 0;
            for (Method m : asked) {
                if (tierNow(m) == HotSpotCompiler.TIER_C2) {
                    compiled++;
                } else if (round % 100 == 0) {
                    // C2's code can be thrown away after it is installed (an uncommon trap deoptimises the method, and
                    // HotSpot's policy may not bring it back while the warm-up no longer runs it): ask again every
                    // second. A method still queued stays queued once.
                    HotSpotCompiler.requestMethod(m, HotSpotCompiler.TIER_C2);
                }
            }
            if (compiled == asked.size() || System.nanoTime() > deadline || stop.getAsBoolean()) break;
            Thread.sleep(10);
        }
        List<String> notAtC2 = new ArrayList<>();
        for (Method m : asked) {
            if (tierNow(m) != HotSpotCompiler.TIER_C2) notAtC2.add(m.getDeclaringClass().getSimpleName() + "." + m.getName() + " (tier " + tierNow(m) + ")");
        }
        return new Result(asked.size(), compiled, notAtC2);
    }

    /** Whether C1 compiled {@code m} with a profile (whole or on-stack): the warm-up ran it, and C2 has data for it. */
    private static boolean profiled(Method m) {
        return isProfiledTier(HotSpotCompiler.methodTier(m, false)) || isProfiledTier(HotSpotCompiler.methodTier(m, true));
    }

    private static boolean isProfiledTier(int tier) {
        return tier == HotSpotCompiler.TIER_C1_LIMITED || tier == HotSpotCompiler.TIER_C1_PROFILED;
    }

    /** The tier of {@code m}'s code for calls now (not on-stack), 0 if none, -1 without the API. */
    static int tierNow(Method m) {
        return HotSpotCompiler.methodTier(m, false);
    }
}
