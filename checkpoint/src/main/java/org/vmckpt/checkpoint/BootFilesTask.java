package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;

/**
 * A restore's boot files ({@link PageSources#bootFilesOf}: the kernel opened in place or read, the initrd read and
 * its archive unpacked, each checked by SHA-256), prepared on a thread of their own from the restore's start. They
 * need nothing but the checkpoint, and were the longest step of the restoring thread's own path (machine, boot files,
 * records, reference pages): now they overlap the building of the machine. The restoring thread takes them with
 * {@link #join}, which gives the task's refusal as its own; a restore that gives up before calls {@link #abandon},
 * which waits for the task and closes what it opened, so nothing of a failed restore is left open or running.
 */
final class BootFilesTask {
    private final Thread thread;
    private PageSources.BootFiles result;
    private RestoreException refusal;
    private RuntimeException failure;
    private boolean taken;
    /** The task's wall and CPU time (set when it ends), for restore --stats. */
    private long wallNanos, cpuNanos;

    private BootFilesTask(Checkpoint ckpt, boolean inPlace) {
        thread = new Thread(() -> {
            long t0 = System.nanoTime(), c0 = org.vmckpt.checkpoint.store.BatchReader.cpuNanos();
            try {
                result = PageSources.bootFilesOf(ckpt, inPlace);
            } catch (RestoreException e) {
                refusal = e;
            } catch (RuntimeException e) {
                failure = e;
            } finally {
                wallNanos = System.nanoTime() - t0;
                cpuNanos = org.vmckpt.checkpoint.store.BatchReader.cpuNanos() - c0;
            }
        }, "vmckpt-restore-boot-files");
        thread.setDaemon(true);
    }

    /** Starts loading {@code ckpt}'s boot files; {@code inPlace} as for {@link PageSources#bootFilesOf}. */
    static BootFilesTask start(Checkpoint ckpt, boolean inPlace) {
        BootFilesTask t = new BootFilesTask(ckpt, inPlace);
        t.thread.start();
        return t;
    }

    /** Waits for the boot files and hands them over (the caller closes them from now on), or throws the refusal. */
    PageSources.BootFiles join() throws RestoreException {
        waitForThread();
        if (refusal != null) throw refusal;
        if (failure != null) throw failure;
        taken = true;
        return result;
    }

    /** The task's wall time, then its thread's CPU time, in nanoseconds; valid after {@link #join}. */
    long[] nanos() {
        return new long[] {wallNanos, cpuNanos};
    }

    /** A restore that gave up: waits for the task, and closes the files it opened unless {@link #join} handed them over. */
    void abandon() {
        waitForThread();
        if (!taken && result != null) result.close();
    }

    private void waitForThread() {
        boolean interrupted = false;
        while (true) {
            try {
                thread.join(); // its fields are visible after join
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the files it opens must still be closed: wait on
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
    }
}
