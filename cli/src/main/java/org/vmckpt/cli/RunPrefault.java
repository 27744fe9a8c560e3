package org.vmckpt.cli;

/**
 * A boot's first heap faulted in on a side thread from {@code main}, for {@code vmckpt run} (off by default: {@code
 * -Dvmckpt.run.prefault=true}).
 *
 * <p>Why: from {@code main} to the guest's first instruction the main thread copies the kernel Image and the initrd
 * into guest RAM (the default guest's: 31 MB and 3 MB), one new 4 KiB array per page, which the young collections
 * promote into old-generation memory the process has never touched; those first-touch faults fall in the collections'
 * pauses, on the main thread's way to the first instruction, while the second core is often idle (round 62 found it
 * idle through the JVM's start, and {@code main} to the first instruction is a few hundred milliseconds). This thread
 * faults the old generation in from its bottom with {@code madvise(MADV_POPULATE_WRITE)} ({@link NativeMemory}, in
 * native code, so no safepoint waits for it; it changes nothing in the pages, so the collector may promote into them
 * meanwhile), {@link #GOAL} bytes, and ends. Found as {@link RestorePrefault} finds it ({@link
 * RestorePrefault#heapMapping}), where a heap not committed in full at the start ({@code VMCKPT_HEAP=fit}) counts only
 * its committed bottom. Without the native helper, or where the heap is not found, it does nothing.
 */
final class RunPrefault {
    static final String PROPERTY = "vmckpt.run.prefault";
    /** Off unless turned on ({@code -Dvmckpt.run.prefault=true}): not shown to help yet (round 63). */
    static final boolean ENABLED = Boolean.getBoolean(PROPERTY);
    /** How much: {@code -Dvmckpt.run.prefault.MiB}, default 64 MiB (the default guest's kernel and initrd and some room). */
    static final long GOAL = Long.getLong(PROPERTY + ".MiB", 64L) << 20;
    /** One madvise call at most this much (a huge page). */
    private static final long STEP = 2L << 20;

    private static volatile long touchedBytes;
    /** When the thread was started, began to fault, ended (0: not yet, or never). */
    private static volatile long startNanos, readyNanos, doneNanos;

    private RunPrefault() { }

    /** Starts the thread for `vmckpt run` if turned on and the native helper is there. */
    static void startIfEnabled() {
        if (!ENABLED || !NativeMemory.available()) return;
        startNanos = System.nanoTime();
        Thread t = new Thread(() -> {
            populate(GOAL);
            doneNanos = System.nanoTime();
        }, "vmckpt-run-prefault");
        t.setDaemon(true);
        t.start();
    }

    /** Faults in up to {@code goal} bytes from the old generation's bottom; returns the bytes it faulted in. */
    static long populate(long goal) {
        long[] heap = RestorePrefault.heapMapping(Runtime.getRuntime().maxMemory());
        if (heap == null) return 0;
        readyNanos = System.nanoTime();
        long end = Math.min(heap[1], heap[0] + goal);
        for (long at = heap[0]; at < end; at += STEP) {
            long len = Math.min(STEP, end - at);
            if (NativeMemory.populateWrite(at, len) != 0) break; // a kernel before 5.14
            touchedBytes += len;
        }
        return touchedBytes;
    }

    /** A line for `run --stats`, or null if the thread was not started. */
    static String describe() {
        long start = startNanos, ready = readyNanos, done = doneNanos;
        if (start == 0) return null;
        if (ready == 0) return "heap not faulted in ahead of the boot (no heap found)";
        return String.format("heap faulted in ahead of the boot: %d MiB, from %.0f ms after main%s", touchedBytes >> 20,
                (ready - start) / 1e6, done > 0 ? String.format(" to %.0f ms", (done - start) / 1e6) : " (not done)");
    }

    /** Bytes faulted in so far (for tests and --stats). */
    static long touchedBytes() {
        return touchedBytes;
    }
}
