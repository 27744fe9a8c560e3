package org.vmckpt.machine;

import java.util.function.LongSupplier;

/**
 * Whether a guest has been idle for a while: of the last {@link #WINDOW_NANOS} of wall time, at least {@link #SHARE}
 * spent waiting for interrupts ({@link Machine#waitedNanos}). The host work that only makes later events cheaper (the
 * page sources, when asked; round 61's saver warm-up, retired in round 83) waits for it, not for the guest's first
 * idle: a boot's first wait for a timer comes in the middle of its busiest seconds, and the CPU benchmark's guests
 * (bench/cpu/init: boot, modules, compute, fork back to back) never wait for a second at a time, so work started at
 * their first idle competed with their boot (docs/BENCHMARKS.md, rounds 60 and 61). The CPU benchmark's guests wait
 * for interrupts for less than 5 ms in a whole run (`--stats`: "0.00 s idle", round 60's and 61's runs), and their run
 * thread ran or waited for a core in every 100 ms from their boot to their power-off (bench/idle-profile.py); issue
 * 9's memdirty and memrandom guests (a heartbeat every 100 ms) meet the rule from about half a second after they say
 * "ready" (round 61).
 *
 * <p>One thread samples it ({@link #idleNow}), every few tens of milliseconds; not thread-safe.
 * {@code -Dvmckpt.idleWindow.millis} and {@code -Dvmckpt.idleWindow.share} set others, for A/B runs.
 */
public final class IdleWindow {
    /** The window looked back over. */
    public static final long WINDOW_NANOS = Long.getLong("vmckpt.idleWindow.millis", 1000L) * 1_000_000L;
    /** The least share of the window spent waiting for interrupts. */
    public static final double SHARE = Double.parseDouble(System.getProperty("vmckpt.idleWindow.share", "0.5"));
    /** Samples kept; one is kept at most every window / (SAMPLES / 2), so those kept reach back over two windows. */
    private static final int SAMPLES = 64;

    private final LongSupplier waited;
    private final LongSupplier clock;
    private final long windowNanos;
    private final double share;
    private final long[] times = new long[SAMPLES];
    private final long[] waits = new long[SAMPLES];
    /** Samples kept so far (the newest at {@code (count - 1) % SAMPLES}). */
    private long count;

    /** {@code waited}: nanoseconds waited for interrupts so far (never decreasing); {@code clock}: wall nanoseconds. */
    public IdleWindow(LongSupplier waited, LongSupplier clock, long windowNanos, double share) {
        this.waited = waited;
        this.clock = clock;
        this.windowNanos = windowNanos;
        this.share = share;
    }

    /** The rule with its defaults, on a machine's guest and the host's clock. */
    public static IdleWindow of(Machine machine) {
        return new IdleWindow(machine::waitedNanos, System::nanoTime, WINDOW_NANOS, SHARE);
    }

    /**
     * Takes a sample and answers whether, from the newest kept sample at least a window old to now, the guest waited
     * for interrupts for at least the share of that time. False until a window of samples has been seen.
     */
    public boolean idleNow() {
        long now = clock.getAsLong();
        long w = waited.getAsLong();
        if (count == 0 || now - times[(int) ((count - 1) % SAMPLES)] >= windowNanos / (SAMPLES / 2)) {
            times[(int) (count % SAMPLES)] = now;
            waits[(int) (count % SAMPLES)] = w;
            count++;
        }
        for (long k = count - 1; k >= Math.max(0, count - SAMPLES); k--) {
            int i = (int) (k % SAMPLES);
            long wall = now - times[i];
            if (wall >= windowNanos) return w - waits[i] >= share * wall;
        }
        return false;
    }
}
