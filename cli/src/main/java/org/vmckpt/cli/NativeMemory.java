package org.vmckpt.cli;

/**
 * vmckpt's optional native helper (cli/src/main/c/vmckpt_native.c, built by ./build into
 * cli/target/libvmckpt-native.so; the launcher names it with {@code -Dvmckpt.native.library}). Without it, or where it
 * cannot load, {@link #available} is false and what uses it stays off.
 */
final class NativeMemory {
    static final String LIBRARY_PROPERTY = "vmckpt.native.library";
    private static final boolean LOADED = load();

    private NativeMemory() { }

    private static boolean load() {
        String path = System.getProperty(LIBRARY_PROPERTY);
        if (path == null || path.isEmpty()) return false;
        try {
            System.load(path);
            return true;
        } catch (UnsatisfiedLinkError | SecurityException e) {
            return false;
        }
    }

    static boolean available() {
        return LOADED;
    }

    /**
     * Faults {@code [addr, addr + len)} in for writing without changing its contents (madvise MADV_POPULATE_WRITE);
     * the calling thread is "in native" meanwhile, so no safepoint waits for it. Returns 0 or the errno (EINVAL: a
     * kernel before 5.14).
     */
    static native int populateWrite(long addr, long len);

    /**
     * What the JVM's start warmed (the library as an agent, {@code -agentpath:...=warmMiB=N}, round 70): {MiB faulted in and
     * freed again, the warming thread's CPU ns, its wall ns}, each -1 while it runs or if it did not run.
     */
    static native long[] warmReport();

    /** {@link #warmReport} as a line for {@code restore --stats}, or null (no helper, no warming). */
    static String warmSummary() {
        if (!LOADED) return null;
        long[] w;
        try {
            w = warmReport();
        } catch (UnsatisfiedLinkError e) {
            return null; // an older helper
        }
        if (w == null || w[0] < 0) return null;
        return "the JVM's start warmed " + w[0] + " MiB of memory (" + Units.millisOneDecimal(w[1]) + " ms of CPU, "
                + Units.millisOneDecimal(w[2]) + " ms)";
    }

    /**
     * What the agent's growth of the heap did ({@code -agentpath:...=growHeap}, VMCKPT_HEAP=agent, round 76): {committed
     * bytes before, after, the agent thread's CPU ns, the growth's wall ns, its start and end in ns after the agent's
     * load, failed 0/1}, or null while it runs or if it was not asked for.
     */
    static native long[] growReport();

    /** {@link #growReport}, or null (no helper, an older one, not done or not asked for). */
    static long[] growReportOrNull() {
        if (!LOADED) return null;
        try {
            return growReport();
        } catch (UnsatisfiedLinkError e) {
            return null;
        }
    }
}
