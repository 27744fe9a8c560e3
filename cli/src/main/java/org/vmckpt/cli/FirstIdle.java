package org.vmckpt.cli;

import org.vmckpt.machine.Machine;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The first moment a migrated guest idles here (waits in WFI for its next timer, or is paused): the destination's
 * host work that the guest need not wait for (its session's set-up: control socket, QMP, periodic checkpoints, console
 * input; 3-4 ms of CPU on code the JVM has not compiled) waits for it, at most a bound, so that it does not take a
 * core from the guest's first milliseconds here. Those milliseconds are the switch-over's stall: a guest whose timer
 * fell due during the pause runs its overdue work (memdirty: its heartbeat) first thing, and in
 * docs/BENCHMARKS.md round 35's traces the run thread waited for a CPU for 3-10 ms of its first 6-14 ms here while the
 * session's set-up ran 3.2-3.6 ms beside it.
 *
 * <p>Registered on the thread that will run the machine, before it runs it ({@link Machine#whenIdle}: the run thread
 * calls {@link #run} at its first idle moment; a few microseconds).
 */
final class FirstIdle implements Runnable {
    /** {@code -Dvmckpt.migration.hostWorkAtIdle=true} turns it on (off by default: not shown to help, round 35). */
    static final String PROPERTY = "vmckpt.migration.hostWorkAtIdle";
    /** The longest the host work waits for a guest that does not idle (one that computes without a pause). */
    static final long MAX_WAIT_NANOS = 50_000_000L;

    private final CountDownLatch idle = new CountDownLatch(1);
    private volatile long at = -1;

    private FirstIdle() { }

    /** Whether a migrated guest's host work waits for its first idle (the property; off by default). */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "false"));
    }

    /** Asks {@code machine}'s run thread to signal its first idle moment; call before the machine runs. */
    static FirstIdle register(Machine machine) {
        FirstIdle f = new FirstIdle();
        machine.whenIdle(f);
        return f;
    }

    /** The run thread's idle task: the signal. */
    @Override
    public void run() {
        at = System.nanoTime();
        idle.countDown();
    }

    /**
     * Waits for the signal at most {@code maxNanos}; returns when it came (System.nanoTime), or -1 if the bound ran
     * out first (the task stays queued: harmless, it only counts down a latch nobody waits on).
     */
    long await(long maxNanos) throws InterruptedException {
        return idle.await(maxNanos, TimeUnit.NANOSECONDS) ? at : -1;
    }
}
