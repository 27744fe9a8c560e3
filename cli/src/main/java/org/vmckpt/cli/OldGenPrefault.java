package org.vmckpt.cli;

import org.vmckpt.machine.Machine;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps the old generation's memory just above its top faulted in, in the background, while a VM runs.
 *
 * <p>Why: with the launcher's parallel collector, a young collection promotes what is live in the young generation
 * (guest pages first touched or copied on write, the saver's buffers) to the old generation's top, and that top only
 * grows (only a full collection lowers it, and the launcher's settings keep full collections away). So every young
 * collection of a running VM copies into memory the process has never touched, and takes the first-touch page faults
 * inside its pause, which stops the guest: on this project's 2-core VM ~2 ms per MiB with huge pages, so 12-25 ms for
 * the 6-12 MiB a collection promotes during a checkpoint of a writing guest, most of the pause (docs/BENCHMARKS.md,
 * "Checkpoint round (branch ckpt18)"). This thread touches the {@code ahead} bytes above the top before the collector
 * gets there, every {@value #POLL_MILLIS} ms, so the collections promote into mapped memory and the faults fall on a
 * thread that does not stop the guest. The faults cost the same CPU, once: the process's memory grows by
 * {@code ahead} at most beyond what it would have held.
 *
 * <p>How: {@code madvise(MADV_POPULATE_WRITE)} over the range ({@link NativeMemory}, a JNI call), which faults the
 * pages in for writing and changes nothing in them, whoever writes there at the same time, and leaves this thread "in
 * native" meanwhile, so no safepoint (no collection) waits for it. (A first version touched one word per page from
 * Java, an atomic add of zero through Unsafe: the thread was then in Java code for every fault, and at load 10-12 it
 * was the thread every late safepoint waited for, 21-171 ms: docs/BENCHMARKS.md.) The old generation's bottom comes
 * once from the JVM's own heap description ({@code GC.heap_info}), its top from the pool's used bytes (bottom + used
 * for the parallel collector's contiguous old generation).
 *
 * <p>Only with the parallel collector (its old generation is one contiguous space filled from the bottom) and the
 * native helper; any other collector, a heap description it cannot read, or no helper leaves it off ({@link #create}
 * returns null), as does a kernel without MADV_POPULATE_WRITE (the thread stops at the first refusal).
 */
final class OldGenPrefault implements Runnable {
    /** Bytes kept faulted in above the old generation's top (MiB; 0 turns it off). */
    static final String AHEAD_PROPERTY = "vmckpt.prefault.aheadMiB";
    /** A young collection promotes at most the young generation (16 MiB with -Xmn16m): four of them ahead. */
    static final long DEFAULT_AHEAD = 64L << 20;
    static final long POLL_MILLIS = 20;
    /** At most this long the thread waits for the guest's first idle and a lazy restore's load (see {@link #startIfEnabled}). */
    static final long START_WAIT_MILLIS = 10_000;
    private static final long PAGE = 4096;
    /** One madvise call at most this much (a huge page): the thread looks at the top again between calls. */
    private static final long STEP = 2L << 20;

    private final MemoryPoolMXBean old;
    private final long bottom;
    private final long end;
    private final long ahead;
    /** Memory below this address (and above the top at the start) has been touched. */
    private volatile long touchedTo;
    private volatile long touchedBytes;

    private OldGenPrefault(MemoryPoolMXBean old, long bottom, long end, long ahead) {
        this.old = old;
        this.bottom = bottom;
        this.end = end;
        this.ahead = ahead;
        this.touchedTo = top();
    }

    /**
     * Starts the thread for {@code machine} if the property (default {@link #DEFAULT_AHEAD}) asks for it; it stays off
     * where the collector or the helper do not allow it. The thread runs at the normal priority (at the savers' lowest,
     * nice 4 as root, it was the thread a safepoint waited for 4 times in 3 VMs at load 13-16: the scheduler took it
     * off its core in the little Java code between two madvise calls; at the normal priority, never in 7 VMs at load
     * 7-15; docs/BENCHMARKS.md), and starts its work only once the guest has idled (the host has CPU to spare: a boot keeps both cores of a
     * two-core host busy with the run thread and the JIT) and a lazy restore's pages are in, at most
     * {@link #START_WAIT_MILLIS} after the start: at full priority from the guest's first instruction, its first 64 MiB
     * came in the restored guest's first second, which the JIT's compiles fill too (issue 9's eager restore: the
     * first heartbeat 0.7-1.1 s after "restored" against main's 0.14-0.32 s at load 11-13, 2 of 2; docs/BENCHMARKS.md).
     */
    static void startIfEnabled(Machine machine) {
        long mib = Long.getLong(AHEAD_PROPERTY, DEFAULT_AHEAD >> 20);
        if (mib <= 0 || !NativeMemory.available()) return;
        Thread t = new Thread(() -> {
            if (!waitToStart(() -> machine.hasIdled() && !machine.memory().isLoadingLazily(), START_WAIT_MILLIS)) return;
            OldGenPrefault p = create(mib << 20);
            if (p != null) p.run();
        }, "vmckpt-prefault");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The thread's wait before its work: until {@code ready} (the guest has idled and no lazy load runs), polled every
     * {@link #POLL_MILLIS} ms, at most {@code maxWaitMillis}. False if the thread was interrupted (then it does no work).
     * (Round 81's {@code waitIdle}, which dropped the bound for a guest that never idles, measured level on the compute
     * phase and was removed in round 82: docs/BENCHMARKS.md.)
     */
    static boolean waitToStart(BooleanSupplier ready, long maxWaitMillis) {
        try {
            long deadline = System.nanoTime() + maxWaitMillis * 1_000_000L;
            while (!ready.getAsBoolean() && System.nanoTime() < deadline) {
                Thread.sleep(POLL_MILLIS);
            }
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** A prefaulter keeping {@code ahead} bytes above the top, or null where the collector is not the parallel one. */
    static OldGenPrefault create(long ahead) {
        if (!NativeMemory.available()) return null;
        MemoryPoolMXBean pool = null;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getName().equals("PS Old Gen")) pool = p;
        }
        if (pool == null) return null;
        long[] space = oldSpace();
        if (space == null) return null;
        return new OldGenPrefault(pool, space[0], space[2], ahead);
    }

    /** The old generation's object space as {bottom, top, end}, from the JVM's heap description; null if unreadable. */
    static long[] oldSpace() {
        try {
            Object text = ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "gcHeapInfo", new Object[] {null}, new String[] {String[].class.getName()});
            // " ParOldGen total ...\n  object space 6156288K, 0% used [0x0000000687400000,0x0000000687400000,0x00000007ff000000)"
            Matcher m = Pattern.compile("ParOldGen[^\\n]*\\n\\s*object space [^\\[]*\\[0x(\\p{XDigit}+),\\s*0x(\\p{XDigit}+),\\s*0x(\\p{XDigit}+)\\)")
                    .matcher(String.valueOf(text));
            if (!m.find()) return null;
            return new long[] {Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16), Long.parseUnsignedLong(m.group(3), 16)};
        } catch (Exception | LinkageError e) {
            return null;
        }
    }

    /** The old generation's top now (the address the next promotion lands at). */
    long top() {
        return bottom + old.getUsage().getUsed();
    }

    /** The end of the memory touched so far. */
    long touchedTo() {
        return touchedTo;
    }

    /** Bytes this prefaulter touched so far. */
    long touchedBytes() {
        return touchedBytes;
    }

    @Override
    public void run() {
        try {
            while (touchAhead() >= 0) Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Faults in what is not yet touched of [top, top + ahead); returns the bytes it touched, or -1 if the kernel
     * refused (then it stops).
     */
    long touchAhead() {
        long done = 0;
        while (true) {
            long top = top();
            long want = Math.min(end, top + ahead) & ~(PAGE - 1);
            long from = Math.max(touchedTo, top + PAGE - 1 & ~(PAGE - 1));
            if (from >= want) return done;
            long to = Math.min(want, (from + STEP) & ~(STEP - 1));
            if (NativeMemory.populateWrite(from, to - from) != 0) return -1;
            touchedTo = to;
            touchedBytes += to - from;
            done += to - from;
        }
    }
}
