package org.vmckpt.cli;

import org.vmckpt.checkpoint.OldGenerationWindow;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The collector locked out while an eager restore loads its last pages, so that the parallel collector allocates them
 * straight in the old generation ({@link OldGenerationWindow} says why and when; round 61). A window is a daemon thread
 * in a JNI critical region of the native helper ({@code hold} in cli/src/main/c/vmckpt_native.c) until it is closed or
 * its timeout passes.
 *
 * <p>On by default since round 61's slot (with memory the host had taken back, the restore lower in 19 of 24 pairs;
 * back to back no difference); {@code -Dvmckpt.restore.oldGenDirect=false} turns it off. Installed only with the native helper and
 * the parallel collector (another collector locked out stalls the allocating thread instead of allocating in the old
 * generation, until the timeout).
 */
final class OldGenWindow implements OldGenerationWindow.Window {
    static final String PROPERTY = "vmckpt.restore.oldGenDirect";
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    /** A window closes itself after this long (a thread that waits for a JNI critical region waits at most so long). */
    static final long TIMEOUT_NANOS = Long.getLong(PROPERTY + ".timeoutMs", 3000) * 1_000_000L;
    /**
     * Whether the holder sleeps in the kernel until the window closes ({@code holdBlocking}: a futex the closer wakes,
     * round 63) instead of polling its flag every 100 us ({@code hold}), whose wake-ups cost 17-69 ms of CPU per restore
     * on the cores the loaders need (round 62). On by default since round 63's slot (spawn to restored lower than main's
     * in 49 of 84 interleaved rounds, 17 of 24 with memory the host had taken back; docs/BENCHMARKS.md);
     * {@code -Dvmckpt.restore.oldGenDirect.blockingHold=false} polls as before.
     */
    static final String BLOCKING_PROPERTY = PROPERTY + ".blockingHold";
    static final boolean BLOCKING = Boolean.parseBoolean(System.getProperty(BLOCKING_PROPERTY, "true"));

    private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);

    /** [0]: set to 1 to close; [1]: set to 1 by the native code once inside the critical region. */
    private final byte[] flag = new byte[2];
    /** The blocking holder's futex word (int 0: set to 1 to close) and its thread id (int 1), in native memory. */
    private final ByteBuffer gate = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final boolean blocking;
    private final Thread holder;
    private final long openedAt = System.nanoTime();
    private volatile long closedAt;
    private volatile int result = -2;

    private OldGenWindow(long timeoutNanos, boolean blocking) {
        this.blocking = blocking;
        holder = new Thread(new Holder(this, timeoutNanos), "vmckpt-oldgen-window");
        holder.setDaemon(true);
        holder.start();
        // Until the holder is inside (or failed), at most 50 ms: pages allocated before take the young generation as usual.
        long deadline = System.nanoTime() + 50_000_000L;
        while ((byte) BYTES.getVolatile(flag, 1) == 0 && result == -2 && System.nanoTime() < deadline) Thread.onSpinWait();
    }

    /** The holder thread's body (a named class for the reason {@link Opener} gives). */
    private static final class Holder implements Runnable {
        private final OldGenWindow w;
        private final long timeoutNanos;

        Holder(OldGenWindow w, long timeoutNanos) {
            this.w = w;
            this.timeoutNanos = timeoutNanos;
        }

        @Override
        public void run() {
            try {
                w.result = w.blocking ? holdBlocking(w.flag, w.gate, timeoutNanos) : hold(w.flag, timeoutNanos);
            } catch (Throwable e) {
                w.result = -1;
            }
            w.closedAt = System.nanoTime();
        }
    }

    /** For an eager restore: installs the opener if asked for and possible; returns whether it did. */
    static boolean installIfEnabled() {
        if (!ENABLED || !NativeMemory.available() || !parallelCollector(Path.of("/proc/self/cmdline"))) return false;
        OldGenerationWindow.install(new Opener());
        return true;
    }

    /**
     * The installed opener. A named class, not a lambda (nor {@code ProcessHandle} above): in a cold JVM the first lambda
     * that the class-data archive does not hold spins its class through the JDK's bytecode generator, and this runs on
     * the main thread between {@code main} and the command (round 62).
     */
    private static final class Opener implements OldGenerationWindow.Opener {
        @Override
        public OldGenerationWindow.Window open() {
            return OldGenWindow.open(TIMEOUT_NANOS);
        }
    }

    /** Opens a window that closes itself after {@code timeoutNanos} at the latest; null without the native helper or if it failed. */
    static OldGenWindow open(long timeoutNanos) {
        return open(timeoutNanos, BLOCKING);
    }

    /** The same, the holder blocking ({@link #holdBlocking}) or polling ({@link #hold}). */
    static OldGenWindow open(long timeoutNanos, boolean blocking) {
        if (!NativeMemory.available()) return null;
        OldGenWindow w = new OldGenWindow(timeoutNanos, blocking);
        return w.result == -1 ? null : w;
    }

    /** Whether the JVM's command line chose the parallel collector (the last -XX:+Use...GC given), as the launcher does. */
    static boolean parallelCollector(long pid) {
        return parallelCollector(Path.of("/proc/" + pid + "/cmdline"));
    }

    /** The same, from a {@code /proc/PID/cmdline} file ({@code /proc/self/cmdline}: this JVM). */
    static boolean parallelCollector(Path cmdline) {
        try {
            String[] args = new String(Files.readAllBytes(cmdline)).split("\0");
            String gc = null;
            for (String a : args) if (a.startsWith("-XX:+Use") && a.endsWith("GC")) gc = a;
            return "-XX:+UseParallelGC".equals(gc);
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
    }

    @Override
    public void close() {
        BYTES.setVolatile(flag, 0, (byte) 1);
        if (blocking) openGate(gate);
        try {
            holder.join(10_000); // the polling holder looks every 100 us, the blocking one is woken
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public long openNanos() {
        long c = closedAt;
        return (c == 0 ? System.nanoTime() : c) - openedAt;
    }

    @Override
    public boolean timedOut() {
        return result == 1;
    }

    /** Whether the holder entered its critical region (false if the JVM refused it). */
    boolean entered() {
        return (byte) BYTES.getVolatile(flag, 1) != 0;
    }

    /**
     * In the native helper: enters a JNI critical region on {@code flag}, sets {@code flag[1]}, and stays until
     * {@code flag[0]} is non-zero (0 is returned) or {@code timeoutNanos} passed (1); -1 if it could not enter.
     */
    private static native int hold(byte[] flag, long timeoutNanos);

    /**
     * As {@link #hold}, but the thread sleeps on a futex in {@code gate} (a direct buffer: the word at 0, which
     * {@link #openGate} sets and wakes; this thread's id is written at 4) until it is opened or the timeout passes.
     */
    private static native int holdBlocking(byte[] flag, ByteBuffer gate, long timeoutNanos);

    /** Opens {@code gate} and wakes {@link #holdBlocking}'s thread (enters no critical region: safe while one is held). */
    private static native void openGate(ByteBuffer gate);
}
