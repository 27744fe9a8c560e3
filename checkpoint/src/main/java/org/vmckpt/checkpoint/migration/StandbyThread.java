package org.vmckpt.checkpoint.migration;

import org.vmckpt.machine.Machine;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;

/**
 * A thread started ahead of time that runs one task when it is handed one. {@code Thread.start} returns only once
 * the new thread has been scheduled, which on a loaded host takes long (measured on the shared 2-core machine at
 * load 6: 0.9 ms median, 6.5 ms at the 90th percentile, 117 ms at worst): a thread that a migration's destination
 * needs right after GO (post-copy's receiver, the session set up beside the guest) is started while it waits for a
 * source, and GO only hands it its work.
 */
public final class StandbyThread implements Runnable {
    private final CompletableFuture<Runnable> task = new CompletableFuture<>();
    private final Thread thread;
    /** The task {@link #runWhenStarted} holds back until the guest has started. */
    private volatile Runnable deferred;

    /** Starts the thread (a daemon); it waits for {@link #run} or {@link #release}. */
    public StandbyThread(String name, int priority) {
        thread = new Thread(() -> {
            Runnable r;
            try {
                r = task.join();
            } catch (CancellationException e) {
                return; // released: not needed
            }
            r.run();
        }, name);
        thread.setDaemon(true);
        thread.setPriority(priority);
        thread.start();
    }

    /** Runs {@code r} on this thread (at most one task; a second is ignored). */
    public void run(Runnable r) {
        task.complete(r);
    }

    /**
     * Runs {@code r} on this thread once {@code machine}'s guest has started ({@link Machine#whenStarted}): waking a
     * thread before the guest's first instruction took that instruction milliseconds later on a loaded host. Call on
     * the thread that will run the machine, before it runs it.
     */
    public void runWhenStarted(Machine machine, Runnable r) {
        deferred = r;
        machine.whenStarted(this); // this object, not a lambda: a lambda's first use links it, milliseconds cold
    }

    /** {@link Machine#whenStarted}'s task: hands over what {@link #runWhenStarted} held back. */
    @Override
    public void run() {
        run(deferred);
    }

    /** The task will not come: the thread ends. */
    public void release() {
        task.cancel(false);
    }

    public Thread thread() {
        return thread;
    }
}
