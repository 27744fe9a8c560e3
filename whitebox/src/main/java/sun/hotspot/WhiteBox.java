package sun.hotspot;

import java.lang.reflect.Executable;

/**
 * The natives of HotSpot's WhiteBox API that vmckpt's translator uses, declared under the class name HotSpot binds them
 * to (JDK 17: {@code sun.hotspot.WhiteBox}). HotSpot registers them only for a class of this name loaded by the boot
 * loader ({@code -Xbootclasspath/a:}) in a JVM started with {@code -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI};
 * otherwise {@link #registerNatives} does nothing and every other native here throws {@link UnsatisfiedLinkError}.
 *
 * <p>HotSpot registers its whole table of WhiteBox natives and prints a line on the JVM's output for each one this class
 * does not declare; the launcher starts the JVM with {@code -XX:-DisplayVMOutput} and the machine turns that output
 * back on ({@link #setBooleanVMFlag}) once this class is initialised.
 *
 * <p>Signatures as in HotSpot 17's prims/whitebox.cpp; declared static (the natives ignore their receiver).
 */
public final class WhiteBox {
    private static native void registerNatives();

    static {
        registerNatives();
    }

    private WhiteBox() { }

    /** Queues {@code m} for compilation at {@code level} (1: C1 without profiling; bci -1: the normal entry). */
    public static native boolean enqueueMethodForCompilation0(Executable m, int level, int bci);

    /** The tier of {@code m}'s current compiled code, 0 if it has none. */
    public static native int getMethodCompilationLevel0(Executable m, boolean isOsr);

    /** True if a compile task for {@code m} is in a compiler's queue now (any level). */
    public static native boolean isMethodQueuedForCompilation0(Executable m);

    /** True if HotSpot may compile {@code m} at {@code level} (its not-compilable marks and its size allow it). */
    public static native boolean isMethodCompilable0(Executable m, int level, boolean isOsr);

    /** {@code m} is never compiled at {@code level} (4: C2; a C1 level would bar C1 as a whole). */
    public static native void makeMethodNotCompilable0(Executable m, int level, boolean isOsr);

    /** Sets a boolean VM flag, whatever its kind (used for DisplayVMOutput). */
    public static native void setBooleanVMFlag(String name, boolean value);

    /** Adds compiler directives (HotSpot's JSON), as {@code jcmd Compiler.directives_add} does; the number added. */
    public static native int addCompilerDirective(String json);

    /** Sets an intx VM flag (within its range, else unchanged), whatever its kind (the restore's C2 hold: Tier4*). */
    public static native void setIntxVMFlag(String name, long value);

    /** An intx VM flag's value, null if there is no such flag. */
    public static native Long getIntxVMFlag(String name);

    /**
     * Makes {@code m}'s compiled code (its on-stack code if {@code isOsr}) not entrant: the method runs interpreted again
     * and HotSpot's policy compiles it anew when hot; the number of compiled methods made so.
     */
    public static native int deoptimizeMethod0(Executable m, boolean isOsr);

    /** Clears {@code m}'s invocation and back-edge counters and its profile (the policy sees it as never run). */
    public static native void clearMethodState0(Executable m);
}
