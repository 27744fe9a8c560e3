package org.vmckpt.cli;

/**
 * {@code VMCKPT_HEAP=grow} (round 75, <b>off</b> by default): the heap a VM's JVM commits at its start, grown to the whole
 * heap by a side thread once {@code main} runs, instead of by the JVM's own start.
 *
 * <p>Why: the launcher commits the whole heap at start ({@code -Xms} at the JVM's default maximum, ~6 GB here) so that the
 * old generation never has to grow by a full collection (the parallel collector runs one whenever a young collection
 * leaves less committed free space in the old generation than it expects to promote next). Committing the old
 * generation clears its card table and start array (one byte each per 512 bytes of heap, written over fresh memory:
 * ~1,000 page faults per GB), and the JVM does that in its start ("Genesis"), single-threaded, before {@code main}:
 * ~80-100 ms of CPU for 6 GB on this project's VM, on the restore's critical path (docs/BENCHMARKS.md, rounds 71, 74, 75).
 *
 * <p>How: the launcher starts the JVM with a small heap ({@code -Xms24m}: the 16 MiB young generation and 8 MiB of old), with {@code -XX:MinHeapDeltaBytes} set to the
 * rest of the whole heap, and with {@code -XX:-UseAdaptiveGenerationSizePolicyAtMajorCollection}; it passes
 * {@code -Dvmckpt.heap.growAtStart=true}, and {@link Main#preload} calls {@link #startIfEnabled} first. This thread
 * ({@code vmckpt-heap-grow}) allocates one array larger than the heap's free space: too large for the young generation, so
 * the collector puts it in the old generation, and larger than the old generation's free space, so the old generation
 * must expand, and it expands by at least {@code MinHeapDeltaBytes}: to the whole heap in one step, without a
 * collection, on this thread, while the main thread goes on with the command on the other core. The array is garbage at
 * once (~20 MiB, until the first full collection). From then on the
 * heap is what the whole-heap pin gives: committed in full, so no young collection finds the old generation short of
 * committed space before it is full. What the pin also did, keeping the minimum heap there ({@code -Xms} sets
 * {@code MinHeapSize}), the flag does instead: without it a full collection's resizing may shrink the old generation to
 * its minimum (8 MiB here), after which the collector runs full collections every few young ones (round 63's long
 * run, the whole heap then pinned by round 64); with it the old generation is never resized by a full collection
 * ({@code HeapGrowTest} shows both). Whoever needs the old generation to expand first (this thread, or a young
 * collection's promotion, or the restore's old-generation window) expands it to the whole heap, as long as the
 * expansion fits the reserved heap (the launcher leaves a few MiB of it).
 *
 * <p>The price: the same faults are taken, on this thread instead of before {@code main}; while it expands the heap it
 * holds the JVM's heap lock, so a thread that must collect (the young generation full) waits for it, and a safepoint
 * waits for it too (it is in the VM, not in native code): at worst what the JVM's start paid for the whole heap.
 * Measured quiet (docs/BENCHMARKS.md, round 75): the JVM's start to {@code main} 52 ms shorter, {@code main} to the restore
 * 45 ms longer (the main thread's first steps wait meanwhile), "restored" no sooner back to back: off.
 */
final class HeapGrow {
    static final String PROPERTY = "vmckpt.heap.growAtStart";

    /** The heap is not grown when it is already this share of the maximum (the pin, or VMCKPT_JAVA_OPTS sized it). */
    private static final double GROWN_SHARE = 0.5;

    private static volatile HeapGrow started;

    private final Thread thread;
    private volatile long beforeBytes, afterBytes, startNanos, grownNanos, doneNanos, cpuNanos;
    private volatile String failure;

    private HeapGrow() {
        thread = new Thread(this::run, "vmckpt-heap-grow");
        thread.setDaemon(true);
    }

    /**
     * {@code -Dvmckpt.heap.growAtStart=agent} (VMCKPT_HEAP=agent, round 76, <b>off</b>): the same growth, but by the native
     * helper as a JVMTI agent ({@code -agentpath:libvmckpt-native.so=growHeap}), on an agent thread started at the JVM's
     * VMInit event, before the launcher loads the main class (cli/src/main/c/vmckpt_native.c): no thread is started here.
     */
    static boolean byAgent() {
        return "agent".equals(System.getProperty(PROPERTY));
    }

    /** Starts the thread if the launcher asked for it ({@code -Dvmckpt.heap.growAtStart=true}); returns whether it did. */
    static boolean startIfEnabled() {
        if (!Boolean.getBoolean(PROPERTY)) return false;
        HeapGrow g = new HeapGrow();
        started = g;
        g.thread.start();
        return true;
    }

    private void run() {
        startNanos = System.nanoTime();
        Runtime rt = Runtime.getRuntime();
        long committed = rt.totalMemory(), max = rt.maxMemory();
        beforeBytes = committed;
        try {
            if (committed < max * GROWN_SHARE) {
                // Larger than the heap's free space (the young generation's and the old one's): so it fits in neither,
                // goes to the old generation (larger than half of eden) and makes it expand. As small as that allows: the
                // JVM zeroes it, a first touch of fresh memory (~20 MiB with the launcher's -Xms24m).
                byte[] trigger = new byte[(int) Math.min(rt.freeMemory() + (1 << 20), Integer.MAX_VALUE - 16)];
                trigger[trigger.length - 1] = 1;
            }
        } catch (OutOfMemoryError e) {
            failure = "the heap could not grow: " + e.getMessage();
        }
        afterBytes = rt.totalMemory();
        grownNanos = System.nanoTime();
        cpuNanos = threadCpuNanos();
        doneNanos = System.nanoTime();
    }

    /** This thread's CPU time from the kernel (the thread bean would load the platform's management beans, tens of ms). */
    private static long threadCpuNanos() {
        try {
            String s = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/thread-self/schedstat")).trim();
            return Long.parseLong(s.substring(0, s.indexOf(' ')));
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Waits at most {@code millis} for the thread; whether it is done (true when it was never started). */
    static boolean await(long millis) throws InterruptedException {
        HeapGrow g = started;
        if (g == null) return true;
        g.thread.join(millis);
        return !g.thread.isAlive();
    }

    /** The committed heap before and after the thread's allocation, in bytes, or null if not started or not done. */
    static long[] committedBeforeAfter() {
        HeapGrow g = started;
        if (g == null || g.doneNanos == 0) return null;
        return new long[] {g.beforeBytes, g.afterBytes};
    }

    /** A line for {@code restore --stats}, or null if the thread was not started. */
    static String summary() {
        if (byAgent()) {
            long[] r = NativeMemory.growReportOrNull();
            if (r == null) return "heap grown by the agent: not done yet, or no agent (committed " + (Runtime.getRuntime().totalMemory() >> 20) + " MiB)";
            return String.format("heap grown by the agent: %d -> %d MiB committed, from %.1f to %.1f ms after the agent's load (%.1f ms, thread CPU %.1f ms)%s",
                    r[0] >> 20, r[1] >> 20, r[4] / 1e6, r[5] / 1e6, r[3] / 1e6, r[2] / 1e6, r[6] != 0 ? "; failed" : "");
        }
        HeapGrow g = started;
        if (g == null) return null;
        if (g.doneNanos == 0) return "heap grown at start: not done yet (committed " + (Runtime.getRuntime().totalMemory() >> 20) + " MiB)";
        // (the thread's CPU read from /proc after the growth's end: it includes the thread's start and that read)
        return String.format("heap grown at start: %d -> %d MiB committed, %.1f ms from the thread's start (thread CPU %.1f ms)%s",
                g.beforeBytes >> 20, g.afterBytes >> 20, (g.grownNanos - g.startNanos) / 1e6, g.cpuNanos / 1e6,
                g.failure != null ? "; " + g.failure : "");
    }
}
