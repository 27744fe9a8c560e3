package org.vmckpt.checkpoint;

/**
 * Where an eager restore's pages may be allocated straight into the old generation (round 61; the command line
 * installs an {@link Opener} for an eager restore unless {@code -Dvmckpt.restore.oldGenDirect=false}).
 *
 * <p>Why: every restored page is a new 4 KiB array, allocated in the young generation and copied once into the old
 * one by a young collection (~30 collections per 1 GiB restore, each stopping every thread). While a window is open
 * the JVM's collector is locked out (the opener holds a JNI critical region on a thread of its own), and the parallel
 * collector then allocates what does not fit in the full eden in the old generation, where the pages stay: no copy,
 * no pause, and the first touch of that memory is paid by the thread that allocates, not inside a pause that stops
 * the restoring thread too.
 *
 * <p>The price of a locked-out collector: a thread that enters a JNI critical region meanwhile (zstd on heap arrays,
 * the JDK's inflater, as when a class is loaded from the jar, and any java.io.File operation: the JDK passes the path's
 * bytes through one) waits until the window closes. So a restore opens it only for its last part, when the restoring
 * thread has done its own steps and every remaining thread only loads pages, with direct buffers ({@link PageLoader}:
 * no critical region); and the window closes as soon as the first loader thread finds no work left, when the restore
 * returns or fails, and in any case after the opener's timeout. (Opened with the loaders at the restore's start, tried
 * in round 61, the restoring thread waited for the whole load in its first step, the machine's SecureRandom checking
 * /dev/random with java.io.File.)
 */
public final class OldGenerationWindow {
    private OldGenerationWindow() { }

    /** Opens windows; installed once by the command line when the switch is on and the JVM can do it. */
    public interface Opener {
        /** Opens a window, or returns null if it cannot (the restore then runs as without). */
        Window open();
    }

    /** An open window. */
    public interface Window {
        /** Closes it (idempotent, any thread): the collector may run again. */
        void close();

        /** Nanoseconds it was open (once closed). */
        long openNanos();

        /** Whether the opener's timeout closed it, not {@link #close}. Valid once closed. */
        boolean timedOut();
    }

    private static volatile Opener opener;

    /** Installs (or with null removes) the opener; eager restores from now on use it. */
    public static void install(Opener o) {
        opener = o;
    }

    /** Whether an opener is installed: an eager restore's DATA loaders then read with direct buffers. */
    static boolean installed() {
        return opener != null;
    }

    /**
     * A window for loading {@code pages} more pages, or null: none installed, or those pages would take more than a
     * quarter of the heap's maximum (a locked-out collector cannot make room; a restore that large runs as without).
     */
    static Window openFor(long pages) {
        Opener o = opener;
        if (o == null) return null;
        if (pages * (org.vmckpt.machine.memory.GuestMemory.PAGE_SIZE + 16L) > Runtime.getRuntime().maxMemory() / 4) return null;
        return o.open();
    }
}
