package org.vmckpt.cli;

/**
 * A short scheduler slice for the source's guest thread while its migration runs: <b>off by default</b>
 * ({@code -Dvmckpt.migration.guestSliceMicros=N} turns it on, N microseconds, 100 to 100,000; docs/MIGRATION.md,
 * "The guest's thread under load").
 *
 * <p>Why: on a loaded two-core host the guest's thread, at nice -5, shares the cores during the rounds with the
 * migration's sender and the destination's receiver (nice -5 too, on the same host), both JVMs' compiler and collector
 * threads (nice -4) and whatever else runs. Sampled over the longest heartbeat gaps of memdirty migrations with
 * background load (bench/migrate.py --busy 3 --sched; docs/BENCHMARKS.md, round 58) the guest's thread spent 11-18 ms
 * of a 30-43 ms gap runnable but waiting for a core. Its nice value sets its share, which it does not use up (it
 * idles between its timer's writes); what it lacks is latency: each time it wakes it queues behind the running
 * thread's slice. Linux's EEVDF scheduler (6.12+) takes a slice per thread: a shorter one gives the thread an earlier
 * deadline, so it runs soon after it wakes, and leaves its share as it was. Through the native helper
 * ({@link NativeThreads#setSlice}); without it, on an older kernel, or refused, nothing changes (a line on stderr).
 * Only the source's guest thread and only while the migration runs: afterwards the kernel's default slice again.
 */
final class MigrationGuestSlice {
    static final String PROPERTY = "vmckpt.migration.guestSliceMicros";

    private MigrationGuestSlice() { }

    /** The slice the property asks for, in microseconds; 0: off (unset, "off", 0). */
    static long micros() {
        String v = System.getProperty(PROPERTY, "off").trim();
        if (v.equals("off") || v.isEmpty()) return 0;
        long us = Long.parseLong(v);
        if (us != 0 && (us < 100 || us > 100_000)) throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": 100 to 100000 microseconds, or off");
        return us;
    }

    /**
     * Gives thread {@code tid} the property's slice, if it is on and the helper can; returns whether it did (then
     * {@link #reset} it later).
     */
    static boolean applyIfEnabled(long tid) {
        long us = micros();
        if (us == 0 || tid <= 0 || !NativeThreads.available()) return false;
        return set(tid, us * 1_000);
    }

    /** Thread {@code tid} back to the kernel's default slice. */
    static void reset(long tid) {
        set(tid, 0);
    }

    private static boolean set(long tid, long nanos) {
        int err;
        try {
            err = NativeThreads.setSlice((int) tid, nanos);
        } catch (UnsatisfiedLinkError e) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the native helper is older than this vmckpt (no setSlice): run ./build\r");
            return false;
        }
        if (err != 0) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the host refused a slice for the guest's thread (errno " + err + "; needs Linux 6.12+)\r");
            return false;
        }
        return true;
    }
}
