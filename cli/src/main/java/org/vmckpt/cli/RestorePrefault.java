package org.vmckpt.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * An eager restore's heap faulted in from the process's first milliseconds, on a thread of its own, before the
 * restored pages are promoted into it.
 *
 * <p>Why: every page an eager restore loads is a new 4 KiB array that a young collection copies into the old
 * generation, into memory the process has never touched; the first-touch faults then fall inside the collections'
 * pauses, which stop the restore's loader threads and the restoring thread alike (on this project's 2-core VM up to
 * ~2 ms per MiB, 0.1-1.2 s of collector CPU per ~330 MB restore depending on what the host has backed; while one
 * collector thread faults, the other spins). Until the checkpoint is open and its loaders run (the JVM's start, the
 * command line, the repository and the manifest: a few hundred milliseconds, mostly on one core) the other core has
 * little to do. This thread faults the old generation in from its bottom meanwhile, with {@code
 * madvise(MADV_POPULATE_WRITE)} ({@link NativeMemory}, in native code: no safepoint waits for it; it changes nothing in
 * the pages, so it is safe whoever writes there), first {@link #FIRST_GOAL} bytes, then as far as the restore says it
 * will fill ({@link #expect}); the collections then promote into mapped memory.
 *
 * <p>Where: the old generation's bottom is the start of the heap's mapping in /proc/self/maps ({@link #heapMapping}),
 * read in a few milliseconds, where the JVM's own heap description ({@link OldGenPrefault#oldSpace}) needs the platform
 * MBean server, 100-370 ms of a cold JVM at load 6-9, and the memory pools' bean 65-125 ms. The parallel collector
 * reserves the old generation at the heap's low end (the serial one puts its young generation there, 16 MiB with the
 * launcher's settings, and the old one right above); either way the memory faulted in is memory the heap fills first.
 *
 * <p>Only for an eager restore (a lazy one's pages arrive while its guest runs; {@link OldGenPrefault} starts there
 * later) and with the native helper. The process holds no more memory than the restore fills, plus at most {@link
 * #FIRST_GOAL} for a restore smaller than that. {@code -Dvmckpt.restore.prefault=true} turns it on: off by default, as quiet
 * interleaved pairs (round 59) showed the collector's pauses 4-5 times shorter but the restore, spawn to restored, not faster
 * (docs/ARCHITECTURE.md, "The collector and restored pages"; docs/BENCHMARKS.md, round 59).
 */
final class RestorePrefault {
    static final String PROPERTY = "vmckpt.restore.prefault";
    /** Off unless turned on ({@code -Dvmckpt.restore.prefault=true}). */
    static final boolean ENABLED = Boolean.getBoolean(PROPERTY);
    /**
     * Faulted in before the restore knows its size (the manifest is not read yet), while the JVM's start and the command
     * leave a core idle: {@code -Dvmckpt.restore.prefault.firstMiB} (default 64 MiB, less than any booted guest's restore
     * fills; round 59 measured 384, which a 1 GiB signed guest's restore of 358 MiB fits in: docs/BENCHMARKS.md).
     */
    static final long FIRST_GOAL = Long.getLong(PROPERTY + ".firstMiB", 64L) << 20;
    /** One madvise call at most this much (a huge page): the thread looks at its goal and the stop flag between calls. */
    private static final long STEP = 2L << 20;
    /** The heap bytes a restored page takes: its 4096 bytes and the array's header, rounded to the object alignment. */
    static final long BYTES_PER_PAGE = 4096 + 16;

    private static volatile RestorePrefault running;

    private volatile long goalBytes = FIRST_GOAL;
    private volatile boolean stopped;
    private volatile long touchedBytes;
    /** When the thread had found the heap and began to fault; when it reached its goal (0: not yet). */
    private volatile long readyNanos, doneNanos;
    private final long startNanos = System.nanoTime();
    private final Thread thread;

    private RestorePrefault() {
        thread = new Thread(this::run, "vmckpt-restore-prefault");
        thread.setDaemon(true);
    }

    /** Starts the thread for an eager restore (the process's first step: see the class comment), if turned on. */
    static void startIfEnabled() {
        if (!ENABLED || !NativeMemory.available()) return;
        RestorePrefault p = new RestorePrefault();
        running = p;
        p.thread.start();
    }

    /** Whether the thread was started (an eager restore with the prefault turned on) and not stopped yet. */
    static boolean isRunning() {
        return running != null;
    }

    /** The restore will put {@code pages} pages on the heap: the thread faults in as much as they take. */
    static void expect(long pages) {
        RestorePrefault p = running;
        if (p == null) return;
        p.goalBytes = Math.max(FIRST_GOAL, pages * BYTES_PER_PAGE);
        LockSupport.unpark(p.thread);
    }

    /**
     * The restore is done: the thread stops after its current call (what the restore did not fill is the running VM's
     * {@link OldGenPrefault}'s business). Returns a line for --stats, or null if the thread was not started.
     */
    static String stop() {
        RestorePrefault p = running;
        if (p == null) return null;
        running = null;
        p.stopped = true;
        LockSupport.unpark(p.thread);
        long ready = p.readyNanos, done = p.doneNanos;
        if (ready == 0) return "heap not faulted in ahead of the restore (no heap mapping found, or the restore was faster)";
        return String.format("heap faulted in ahead of the restore: %.0f of %.0f MiB, from %.0f ms after main%s",
                p.touchedBytes / 1048576.0, p.goalBytes / 1048576.0, (ready - p.startNanos) / 1e6,
                done > 0 ? String.format(" to %.0f ms", (done - p.startNanos) / 1e6) : " (not done)");
    }

    private void run() {
        long[] heap = heapMapping(Runtime.getRuntime().maxMemory());
        if (heap == null) return;
        readyNanos = System.nanoTime();
        long at = heap[0];
        while (!stopped) {
            long goal = Math.min(heap[1], heap[0] + goalBytes);
            if (at >= goal) {
                if (doneNanos == 0) doneNanos = System.nanoTime();
                LockSupport.park(this); // until a larger goal, or stop
                continue;
            }
            doneNanos = 0;
            long to = Math.min(goal, at + STEP);
            if (NativeMemory.populateWrite(at, to - at) != 0) return; // a kernel before 5.14
            touchedBytes += to - at;
            at = to;
        }
    }

    /**
     * The heap's committed bottom in /proc/self/maps as {start, end}: the heap is one run of adjacent private anonymous
     * mappings, at least {@code maxHeap} ({@link Runtime#maxMemory}: the heap less a survivor space) long and at most
     * 1 GiB longer, that starts read-write; {start, end} is that first read-write mapping. A heap committed in full at
     * the start (the launcher's for restore, and for run by default) is one read-write mapping; one committed in part
     * (`VMCKPT_HEAP=fit` for run) is the old generation's committed part, its reserved rest (no access) and the young
     * generation. Null if there is not exactly one such run (the prefault then stays off). Read by hand, not with
     * regular expressions: this runs in a JVM's first milliseconds, in cold code.
     */
    static long[] heapMapping(long maxHeap) {
        byte[] maps;
        try {
            maps = Files.readAllBytes(Path.of("/proc/self/maps"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        long[] found = null;
        // The run of adjacent anonymous mappings being read: its start, end, and the end of its first mapping if that
        // one is read-write (else -1).
        long runStart = -1, runEnd = -1, firstEnd = -1;
        int line = 0;
        while (true) {
            long start = -1, stop = -1;
            boolean rw = false;
            if (line < maps.length) {
                int end = line;
                while (end < maps.length && maps[end] != '\n') end++;
                // "687400000-800000000 rw-p 00000000 00:00 0" and nothing after: anonymous, private, read-write ("---p": reserved)
                String s = new String(maps, line, end - line, StandardCharsets.US_ASCII).trim();
                line = end + 1;
                int dash = s.indexOf('-'), sp = s.indexOf(' ');
                rw = sp > dash && s.startsWith(" rw-p 00000000 00:00 0", sp);
                boolean anonymous = rw || (sp > dash && s.startsWith(" ---p 00000000 00:00 0", sp));
                if (dash <= 0 || !anonymous || s.length() != sp + 22) continue;
                try {
                    start = Long.parseUnsignedLong(s, 0, dash, 16);
                    stop = Long.parseUnsignedLong(s, dash + 1, sp, 16);
                } catch (NumberFormatException e) {
                    continue;
                }
            }
            if (start >= 0 && start == runEnd) {
                runEnd = stop; // the run goes on
                continue;
            }
            // The run ended: is it the heap?
            long len = runEnd - runStart;
            if (runStart >= 0 && firstEnd > 0 && len >= maxHeap && len - maxHeap <= (1L << 30)) {
                if (found != null) return null;
                found = new long[] {runStart, firstEnd};
            }
            if (start < 0) return found; // the end of the file
            runStart = start;
            runEnd = stop;
            firstEnd = rw ? stop : -1;
        }
    }
}
